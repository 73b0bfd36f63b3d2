import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { ResourceEncoder, type Resource } from '../../../src/core/resource.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { checkResource, ResourceGate } from '../../../src/pipelines/validate/check-resource.js';
import { validateMessage } from '../../../src/pipelines/validate/validate-message.js';
import { formatViolations } from '../../../src/pipelines/validate/violation.js';
import { ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { apiListener, edsCluster, hcm, loadAssignment, publicListener, routeConfiguration, secret, upstreamListener } from './envoy-fixtures.js';

function validSet(): Resource[] {
  const enc = new ResourceEncoder();
  return [
    upstreamListener(),
    publicListener(),
    apiListener(),
    edsCluster(),
    loadAssignment(),
    routeConfiguration(),
    secret(),
  ].map((m) => enc.encode(m));
}

test('a complete sidecar and proxyless configuration passes the gate with no violation', () => {
  const resources = validSet();
  assert.deepEqual(
    resources.map((r) => r.typeUrl).sort(),
    [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.Listener, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.Secret].sort(),
  );
  for (const r of resources) assert.deepEqual(checkResource(r), [], `${r.typeUrl} ${r.name}:\n${formatViolations(checkResource(r))}`);
});

test('the gate looks through Any: a listener whose HCM has an empty stat_prefix is refused', () => {
  const bad = hcm();
  bad.statPrefix = '';
  const resource = new ResourceEncoder().encode(upstreamListener(bad));
  assert.deepEqual(checkResource(resource), [
    { path: 'filter_chains[0].filters[0].typed_config.stat_prefix', rule: 'string.min_len', message: 'must be at least 1 characters long, got 0' },
  ]);
  const api = apiListener();
  if (api.apiListener?.apiListener) api.apiListener.apiListener.value = new Uint8Array([0x0a, 0xff]); // field 1 claims 255 bytes
  const v = checkResource(new ResourceEncoder().encode(api));
  assert.equal(v.length, 1);
  assert.equal(v[0]!.path, 'api_listener.api_listener');
  assert.equal(v[0]!.rule, 'any.unpack');
});

test('a resource of a type rxds does not serve, or misnamed, is refused with a clear rule', () => {
  const r = new ResourceEncoder().encode(edsCluster());
  const wrongType = { ...r, typeUrl: 'type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration' } as unknown as Resource;
  assert.deepEqual(checkResource(wrongType).map((v) => v.rule), ['resource.type_url']);
  const misnamed = { ...r, name: 'other' };
  assert.deepEqual(checkResource(misnamed).map((v) => v.rule), ['resource.name']);
  const notACluster = { ...r, message: create(ListenerSchema, { name: r.name }) };
  assert.deepEqual(checkResource(notACluster).map((v) => `${v.path}:${v.rule}`), [':type']);
});

test('malformed message objects give violations, never exceptions', () => {
  const broken = create(ClusterSchema, { name: 'c' });
  (broken as unknown as Record<string, unknown>).name = 42;
  (broken as unknown as Record<string, unknown>).healthChecks = 'nope';
  (broken as unknown as Record<string, unknown>).connectTimeout = { seconds: 'x', nanos: 0 };
  const v = validateMessage(ClusterSchema, broken);
  assert.deepEqual(v.map((x) => `${x.path}:${x.rule}`).sort(), ['connect_timeout:type', 'health_checks:type', 'name:type']);
  assert.deepEqual(validateMessage(ClusterSchema, null as never).map((x) => x.rule), ['type']);
});

test('the ResourceGate checks each shared resource once', () => {
  const gate = new ResourceGate();
  const [first, ...rest] = validSet();
  assert.deepEqual(gate.check(first!), []);
  assert.equal(gate.check(first!), gate.check(first!), 'same verdict object');
  assert.equal(gate.checked, 1);
  for (const r of rest) gate.check(r);
  assert.equal(gate.checked, 1 + rest.length);
  const bad = edsCluster();
  bad.name = '';
  const br = new ResourceEncoder().encode(bad);
  const verdict = gate.check(br);
  assert.ok(verdict.some((v) => v.path === 'name' && v.rule === 'string.min_len'));
  assert.ok(Object.isFrozen(verdict));
});
