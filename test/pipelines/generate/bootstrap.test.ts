// `rxds bootstrap envoy|grpc`: the JSON a user hands to Envoy / a proxyless gRPC client. The Envoy one must
// be a valid envoy.config.bootstrap.v3.Bootstrap (protobuf JSON, unknown fields rejected) and pass the PGV gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson } from '@bufbuild/protobuf';
import { BootstrapSchema } from '../../../src/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { envoyBootstrap, XDS_CLUSTER_NAME } from '../../../src/cli/bootstrap-envoy.js';
import { grpcBootstrap } from '../../../src/cli/bootstrap-grpc.js';
import { envoyTypeRegistry } from '../../../src/pipelines/validate/envoy-registry.js';
import { validateMessage } from '../../../src/pipelines/validate/validate-message.js';
import { formatViolations } from '../../../src/pipelines/validate/violation.js';
import { UsageError } from '../../../src/cli/address.js';

function parse(json: unknown) {
  // A round trip through text, as Envoy reads it from a file.
  return fromJson(BootstrapSchema, JSON.parse(JSON.stringify(json)), { registry: envoyTypeRegistry, ignoreUnknownFields: false });
}

test('the Envoy bootstrap parses as a Bootstrap (unknown fields rejected) and passes the PGV gate', () => {
  const json = envoyBootstrap({ proxyId: 'web-sidecar-proxy', cluster: 'web', grpcAddr: '127.0.0.1:18502', adminBind: '127.0.0.1:19001', token: 's3cret' });
  const b = parse(json);
  assert.equal(formatViolations(validateMessage(BootstrapSchema, b)), '');
  assert.equal(b.node?.id, 'web-sidecar-proxy');
  assert.equal(b.node?.cluster, 'web');
  const ads = b.dynamicResources?.adsConfig;
  assert.equal(ads?.grpcServices[0]?.targetSpecifier.case, 'envoyGrpc');
  assert.deepEqual(ads?.grpcServices[0]?.initialMetadata.map((h) => [h.key, h.value]), [['x-consul-token', 's3cret']]);
  assert.equal(b.dynamicResources?.ldsConfig?.configSourceSpecifier.case, 'ads');
  assert.equal(b.dynamicResources?.cdsConfig?.configSourceSpecifier.case, 'ads');
  const xds = b.staticResources?.clusters.find((c) => c.name === XDS_CLUSTER_NAME);
  const sa = xds?.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
  assert.equal(sa?.case, 'endpoint');
  const addr = sa?.case === 'endpoint' ? sa.value.address?.address : undefined;
  assert.equal(addr?.case, 'socketAddress');
  if (addr?.case === 'socketAddress') {
    assert.equal(addr.value.address, '127.0.0.1');
    assert.deepEqual(addr.value.portSpecifier, { case: 'portValue', value: 18502 });
  }
  assert.ok(xds?.typedExtensionProtocolOptions['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'], 'xDS cluster speaks HTTP/2');
  const admin = b.admin?.address?.address;
  assert.ok(admin?.case === 'socketAddress' && admin.value.address === '127.0.0.1');
});

test('the Envoy bootstrap defaults: Consul ports, no token metadata, cluster = proxy id', () => {
  const b = parse(envoyBootstrap({ proxyId: 'p1' }));
  assert.equal(formatViolations(validateMessage(BootstrapSchema, b)), '');
  assert.equal(b.node?.cluster, 'p1');
  assert.deepEqual(b.dynamicResources?.adsConfig?.grpcServices[0]?.initialMetadata, []);
  const json = JSON.stringify(envoyBootstrap({ proxyId: 'p1' }));
  assert.match(json, /"port_value":8502/);
  assert.match(json, /"port_value":19000/);
});

test('a field the Bootstrap does not have is rejected by the parse the test relies on', () => {
  const json = envoyBootstrap({ proxyId: 'p1' });
  assert.throws(() => parse({ ...json, not_a_field: 1 }), /not_a_field/);
});

test('bad options are usage errors, not broken JSON', () => {
  assert.throws(() => envoyBootstrap({ proxyId: '' }), UsageError);
  assert.throws(() => envoyBootstrap({ proxyId: 'p', grpcAddr: 'nope' }), UsageError);
  assert.throws(() => envoyBootstrap({ proxyId: 'p', grpcAddr: '127.0.0.1:0' }), UsageError);
  assert.throws(() => grpcBootstrap({ nodeId: ' ' }), UsageError);
});

test('the gRPC bootstrap: one insecure xds_v3 server and a node with a locality', () => {
  assert.deepEqual(grpcBootstrap({ nodeId: 'client-1', grpcAddr: '[::1]:9000' }), {
    xds_servers: [{ server_uri: '[::1]:9000', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'client-1', locality: {} },
  });
  assert.equal((grpcBootstrap({ nodeId: 'c' }) as { xds_servers: { server_uri: string }[] }).xds_servers[0]!.server_uri, '127.0.0.1:8502');
});
