// TLS for rxds itself: the xDS listener with TLS and mTLS (real grpc-js clients), HTTPS for the HTTP API,
// and clear usage errors for bad files. Certificates are made in the test with the openssl CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { of } from 'rxjs';
import { grpcServiceDefinition } from '../../src/core/grpc-service.js';
import { createHttpServer } from '../../src/core/http/http-server.js';
import { EMPTY_SNAPSHOT } from '../../src/core/snapshot.js';
import { silentLogger } from '../../src/core/logger.js';
import { Health, HealthCheckRequestSchema } from '../../src/gen/grpc/health/v1/health_pb.js';
import { createXdsServer, type XdsServer } from '../../src/sinks/xds/xds-server.js';
import { listenGrpc, type GrpcListener } from '../../src/daemon/grpc-listener.js';
import { grpcServerCredentials, loadTlsMaterial } from '../../src/daemon/tls-credentials.js';
import { UsageError } from '../../src/cli/address.js';

let dir: string;
const f = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

function issue(name: string, ext: string): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
  writeFileSync(f(`${name}.ext`), ext);
  openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-out', f(`${name}.crt`), '-extfile', f(`${name}.ext`));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxds-tls-'));
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=test-ca');
  issue('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  issue('client', 'extendedKeyUsage=clientAuth\n');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('other.key'), '-out', f('other.crt'), '-days', '1', '-subj', '/CN=other');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const HealthClient = grpc.makeGenericClientConstructor(grpcServiceDefinition(Health), Health.typeName);

function healthCheck(port: number, creds: grpc.ChannelCredentials): Promise<grpc.ServiceError | undefined> {
  const client = new HealthClient(`127.0.0.1:${port}`, creds);
  return new Promise((resolve) => {
    const deadline = Date.now() + 5000;
    (client as unknown as Record<string, Function>)['check']!.call(client, create(HealthCheckRequestSchema, {}), { deadline }, (err: grpc.ServiceError | null) => {
      client.close();
      resolve(err ?? undefined);
    });
  });
}

async function serveXds(tls: Parameters<typeof grpcServerCredentials>[0]): Promise<{ xds: XdsServer; listener: GrpcListener }> {
  const xds = createXdsServer({ snapshots: () => of(EMPTY_SNAPSHOT) });
  const listener = await listenGrpc(xds, '127.0.0.1:0', { maxConnectionAgeMs: 0, maxConnectionAgeGraceMs: 0, logger: silentLogger, credentials: grpcServerCredentials(tls) });
  return { xds, listener };
}

test('mTLS on the xDS listener: a client with a certificate from the CA connects, one without is refused', { timeout: 20_000 }, async () => {
  const tls = await loadTlsMaterial({ cert: f('server.crt'), key: f('server.key'), ca: f('ca.crt') }, '--grpc-tls');
  const { xds, listener } = await serveXds(tls);
  try {
    const ca = tls!.ca!;
    const withCert = grpc.credentials.createSsl(ca, readFileSync(f('client.key')), readFileSync(f('client.crt')));
    assert.equal(await healthCheck(listener.port, withCert), undefined);
    const noCert = await healthCheck(listener.port, grpc.credentials.createSsl(ca));
    assert.equal(noCert?.code, grpc.status.UNAVAILABLE, String(noCert));
    const plain = await healthCheck(listener.port, grpc.credentials.createInsecure());
    assert.ok(plain, 'a plain-text client is refused');
  } finally {
    await listener.close(100);
    await xds.close();
  }
});

test('TLS without a CA: any client that trusts the server certificate connects', { timeout: 20_000 }, async () => {
  const tls = await loadTlsMaterial({ cert: f('server.crt'), key: f('server.key') }, '--grpc-tls');
  const { xds, listener } = await serveXds(tls);
  try {
    const ca = readFileSync(f('ca.crt'));
    assert.equal(await healthCheck(listener.port, grpc.credentials.createSsl(ca)), undefined);
    const untrusted = await healthCheck(listener.port, grpc.credentials.createSsl(readFileSync(f('other.crt'))));
    assert.equal(untrusted?.code, grpc.status.UNAVAILABLE);
  } finally {
    await listener.close(100);
    await xds.close();
  }
});

test('HTTPS on the HTTP API', async () => {
  const tls = await loadTlsMaterial({ cert: f('server.crt'), key: f('server.key') }, '--http-tls');
  const http = createHttpServer([async (_req, res) => (res.end('hello'), true)], { tls: tls! });
  const { url } = await http.listen(0, '127.0.0.1');
  try {
    assert.match(url, /^https:\/\//);
    const ca = readFileSync(f('ca.crt'));
    const body = await new Promise<string>((resolve, reject) => {
      get(`${url}/`, { ca }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.equal(body, 'hello');
    const refused = await new Promise<Error | undefined>((resolve) => {
      get(`${url}/`, (res) => (res.resume(), resolve(undefined))).on('error', resolve);
    });
    assert.match(String(refused), /self-signed|unable to verify|certificate/i, 'a client without the CA does not trust it');
  } finally {
    await http.close();
  }
});

test('bad or missing TLS files are usage errors (exit 2) naming the flag and the file', async () => {
  const cases: [Parameters<typeof loadTlsMaterial>[0], RegExp][] = [
    [{ cert: f('missing.crt'), key: f('server.key') }, /--grpc-tls-cert: cannot read .*missing\.crt \(ENOENT\)/],
    [{ cert: f('server.crt') }, /--grpc-tls-cert and --grpc-tls-key go together/],
    [{ ca: f('ca.crt') }, /--grpc-tls-ca needs --grpc-tls-cert and --grpc-tls-key/],
    [{ cert: f('server.key'), key: f('server.key') }, /--grpc-tls-cert: .*server\.key is not a PEM certificate/],
    [{ cert: f('server.crt'), key: f('server.crt') }, /--grpc-tls-key: .*server\.crt is not a PEM private key/],
    [{ cert: f('server.crt'), key: f('client.key') }, /--grpc-tls-key: .*client\.key is not the private key of .*server\.crt/],
    [{ cert: f('server.crt'), key: f('server.key'), ca: f('server.key') }, /--grpc-tls-ca: .*server\.key is not a PEM certificate/],
  ];
  for (const [files, re] of cases) {
    await assert.rejects(loadTlsMaterial(files, '--grpc-tls'), (err: Error) => err instanceof UsageError && re.test(err.message), JSON.stringify(files));
  }
  assert.equal(await loadTlsMaterial({}, '--grpc-tls'), undefined);
});

test('rxds bootstrap emits matching client TLS settings', async () => {
  const { envoyBootstrap } = await import('../../src/cli/bootstrap-envoy.js');
  const { grpcBootstrap } = await import('../../src/cli/bootstrap-grpc.js');
  const tls = { caFile: '/etc/rxds/ca.crt', certFile: '/etc/rxds/client.crt', keyFile: '/etc/rxds/client.key' };
  const grpcJson = grpcBootstrap({ nodeId: 'n1', grpcAddr: '127.0.0.1:8502', tls }) as any;
  assert.deepEqual(grpcJson.xds_servers[0].channel_creds, [
    { type: 'tls', config: { ca_certificate_file: tls.caFile, certificate_file: tls.certFile, private_key_file: tls.keyFile } },
  ]);
  assert.deepEqual((grpcBootstrap({ nodeId: 'n1' }) as any).xds_servers[0].channel_creds, [{ type: 'insecure' }]);
  const envoy = envoyBootstrap({ proxyId: 'web-sidecar-1', grpcAddr: 'rxds.internal:8502', tls }) as any;
  const socket = envoy.static_resources.clusters[0].transport_socket;
  assert.equal(socket.typed_config.sni, 'rxds.internal');
  assert.deepEqual(socket.typed_config.common_tls_context.validation_context, { trusted_ca: { filename: tls.caFile } });
  assert.deepEqual(socket.typed_config.common_tls_context.tls_certificates, [{ certificate_chain: { filename: tls.certFile }, private_key: { filename: tls.keyFile } }]);
  assert.equal(envoyBootstrap({ proxyId: 'p' }).static_resources && (envoyBootstrap({ proxyId: 'p' }) as any).static_resources.clusters[0].transport_socket, undefined);
  assert.throws(() => grpcBootstrap({ nodeId: 'n', tls: { caFile: 'a', certFile: 'b' } }), UsageError);
});
