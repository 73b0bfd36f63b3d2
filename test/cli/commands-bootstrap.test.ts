import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fromJson } from '@bufbuild/protobuf';
import { BootstrapSchema } from '../../src/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { validateMessage } from '../../src/pipelines/validate/validate-message.js';
import { envoyTypeRegistry } from '../../src/pipelines/validate/envoy-registry.js';
import { RXDS_BIN, startRxdsProcess } from '../support/rxds-process.js';

const MESH = new URL('../../examples/mesh.yaml', import.meta.url).pathname;

function rxds(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [RXDS_BIN, ...args], { encoding: 'utf8', timeout: 15_000 });
}

test('rxds bootstrap envoy prints a Bootstrap for a registered sidecar that parses strictly and passes the PGV gate', async () => {
  const server = await startRxdsProcess(['--config', MESH]);
  try {
    const httpAddr = server.httpUrl.replace('http://', '');
    const r = rxds(['bootstrap', 'envoy', '--proxy-id', 'frontend-1-sidecar-proxy', '--http-addr', httpAddr, '--grpc-addr', server.grpcAddr, '--token', 't0ken']);
    assert.equal(r.status, 0, r.stderr);
    const bootstrap = fromJson(BootstrapSchema, JSON.parse(r.stdout), { ignoreUnknownFields: false, registry: envoyTypeRegistry });
    assert.equal(bootstrap.node?.id, 'frontend-1-sidecar-proxy');
    assert.equal(bootstrap.node?.cluster, 'frontend');
    assert.deepEqual(validateMessage(BootstrapSchema, bootstrap), []);
    assert.match(r.stdout, /x-consul-token/);

    const missing = rxds(['bootstrap', 'envoy', '--proxy-id', 'nope', '--http-addr', httpAddr]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no service with ID "nope" is registered/);
    const notProxy = rxds(['bootstrap', 'envoy', '--proxy-id', 'frontend-1', '--http-addr', httpAddr]);
    assert.equal(notProxy.status, 1);
    assert.match(notProxy.stderr, /not a connect-proxy/);
  } finally {
    await server.stop();
  }
});

test('rxds bootstrap grpc prints a GRPC_XDS_BOOTSTRAP for proxyless clients; bad input exits 2', () => {
  const r = rxds(['bootstrap', 'grpc', '--node-id', 'client-1', '--grpc-addr', '127.0.0.1:18502']);
  assert.equal(r.status, 0, r.stderr);
  const boot = JSON.parse(r.stdout) as { xds_servers: Array<{ server_uri: string }>; node: { id: string; locality: object } };
  assert.equal(boot.xds_servers[0]?.server_uri, '127.0.0.1:18502');
  assert.equal(boot.node.id, 'client-1');
  assert.deepEqual(boot.node.locality, {});
  const bad = rxds(['bootstrap', 'grpc', '--node-id', 'c', '--grpc-addr', 'nowhere']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--grpc-addr/);
  const noId = rxds(['bootstrap', 'grpc']);
  assert.equal(noId.status, 2);
  assert.match(noId.stderr, /--node-id/);
});

test('rxds bootstrap grpc --server --mtls-*: an XdsServer listener template, file_watcher certificates and the mTLS opt-in', () => {
  const r = rxds(['bootstrap', 'grpc', '--node-id', 'web-1', '--server', '--mtls-cert-file', '/certs/web.crt', '--mtls-key-file', '/certs/web.key', '--mtls-ca-file', '/certs/roots.pem']);
  assert.equal(r.status, 0, r.stderr);
  const boot = JSON.parse(r.stdout) as Record<string, any>;
  assert.equal(boot.server_listener_resource_name_template, 'grpc/server?xds.resource.listening_address=%s');
  assert.deepEqual(boot.certificate_providers, {
    rxds: {
      plugin_name: 'file_watcher',
      config: { certificate_file: '/certs/web.crt', private_key_file: '/certs/web.key', ca_certificate_file: '/certs/roots.pem', refresh_interval: '60s' },
    },
  });
  assert.deepEqual(boot.node.metadata, { RXDS_MTLS: 'true' });
  const partial = rxds(['bootstrap', 'grpc', '--node-id', 'web-1', '--mtls-cert-file', '/certs/web.crt']);
  assert.equal(partial.status, 2);
  assert.match(partial.stderr, /go together/);
});
