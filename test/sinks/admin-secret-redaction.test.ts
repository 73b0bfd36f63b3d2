// CONTRACT section 5: "Operator: read may read everything but private keys". GET /v1/rxds/proxies/:id/config
// and /watch (and so `rxds config-dump`) show what a sidecar was sent over SDS; its leaf's private key must
// not be in them. Real xDS server, real gRPC client, real HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, type JsonValue } from '@bufbuild/protobuf';
import { BehaviorSubject } from 'rxjs';
import { createHttpServer } from '../../src/core/http/http-server.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { SecretSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { createAdminApi } from '../../src/sinks/admin/admin-api.js';
import type { Readiness } from '../../src/sinks/admin/admin-deps.js';
import { redactSecrets } from '../../src/sinks/admin/redact-secrets.js';
import { XdsHarness } from '../support/xds-harness.js';
import { openSse } from './admin/sse-client.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRET\n-----END PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n';

function leafSecret(name: string) {
  return create(SecretSchema, {
    name,
    type: {
      case: 'tlsCertificate',
      value: {
        certificateChain: { specifier: { case: 'inlineString', value: CERT } },
        privateKey: { specifier: { case: 'inlineString', value: KEY } },
      },
    },
  });
}

test('a sidecar leaf private key is shown as [redacted] by /config and /watch; the certificate is kept', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const http = createHttpServer([createAdminApi({ xds: h.xds, ready$: new BehaviorSubject<Readiness>(true) })]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());

  h.publish('web-sidecar', [leafSecret('web')]);
  const c = h.sotw('web-sidecar');
  t.after(() => c.close());
  c.subscribe(TypeUrl.Secret, ['web']);
  await c.nextAcked(TypeUrl.Secret);
  await h.typeStatus('web-sidecar', TypeUrl.Secret, (s) => s.status === 'SYNCED', 'SDS SYNCED');

  const res = await fetch(`${url}/v1/rxds/proxies/web-sidecar/config`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.doesNotMatch(text, /PRIVATE KEY|SECRET/, 'no key material in the config dump');
  const doc = JSON.parse(text) as { Resources: Record<string, Record<string, { tls_certificate: Record<string, unknown> }>> };
  const tls = doc.Resources[TypeUrl.Secret]!['web']!.tls_certificate;
  assert.deepEqual(tls['private_key'], { inline_string: '[redacted]' });
  assert.deepEqual(tls['certificate_chain'], { inline_string: CERT });

  const sse = await openSse(`${url}/v1/rxds/proxies/web-sidecar/watch`);
  t.after(() => sse.close());
  const first = await sse.nextEvent();
  assert.equal(first.event, 'config');
  assert.doesNotMatch(first.data, /PRIVATE KEY|SECRET/);
  assert.match(first.data, /\[redacted\]/);
});

test('redactSecrets: inline key material in DataSources (one or a list) only; file paths and other fields untouched', () => {
  const input: JsonValue = {
    tls_certificate: {
      private_key: { inline_bytes: 'a2V5' },
      password: { inline_string: 'pw' },
      certificate_chain: { filename: '/etc/cert.pem' },
    },
    session_ticket_keys: { keys: [{ inline_bytes: 'azE=' }, { filename: '/k2' }] },
    generic_secret: { secret: { inline_string: 's' } },
    validation_context: { trusted_ca: { inline_string: CERT } },
  };
  assert.deepEqual(redactSecrets(input), {
    tls_certificate: {
      private_key: { inline_bytes: '[redacted]' },
      password: { inline_string: '[redacted]' },
      certificate_chain: { filename: '/etc/cert.pem' },
    },
    session_ticket_keys: { keys: [{ inline_bytes: '[redacted]' }, { filename: '/k2' }] },
    generic_secret: { secret: { inline_string: '[redacted]' } },
    validation_context: { trusted_ca: { inline_string: CERT } },
  });
  const plain: JsonValue = { name: 'c1', keys: ['a'] };
  assert.equal(redactSecrets(plain), plain, 'nothing sensitive: the same object');
});
