import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServiceDefinition, type ServiceDefinition } from '../../src/sources/catalog/service-definition.js';
import { deregistrationOps, registrationOps, RegistrationError } from '../../src/sources/catalog/registration.js';
import { applyOps } from '../../src/sources/store/apply-ops.js';
import { EMPTY_CATALOG_STATE, type CatalogState } from '../../src/sources/store/catalog-state.js';

function def(raw: unknown): ServiceDefinition {
  const r = parseServiceDefinition(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function register(state: CatalogState, raw: unknown, options = {}): CatalogState {
  return applyOps(state, registrationOps(state, def(raw), 'api', options)).state;
}

test('keys in snake_case and any case are accepted; Meta keys are kept as written', () => {
  const d = def({ name: 'web', id: 'web-1', port: 80, meta: { my_key: 'v' }, check: { ttl: '10s', deregister_critical_service_after: '90s' } });
  assert.equal(d.ID, 'web-1');
  assert.deepEqual(d.Meta, { my_key: 'v' });
  assert.deepEqual(d.Checks[0]!.Definition, { TTL: '10s', DeregisterCriticalServiceAfter: '1m30s' });
  assert.equal(d.Checks[0]!.Type, 'ttl');
});

test('validation errors name the field', () => {
  const cases: [unknown, RegExp][] = [
    [{}, /^Name: is required/],
    [{ Name: 'web', Port: 70000 }, /^Port: /],
    [{ Name: 'web', Port: '80' }, /^Port: expected number/],
    [{ Name: 'web', Checks: [{ TTL: '10s' }, { HTTP: 'http://x/', Interval: 'soon' }] }, /^Checks\[1\]\.Interval: expected a duration/],
    [{ Name: 'web', Check: { HTTP: 'http://x/' } }, /^Check\.Interval: must be greater than 0/],
    [{ Name: 'web', Check: { Args: ['/bin/true'], Interval: '10s' } }, /^Check: a check needs one of TTL/],
    [{ Name: 'p', Kind: 'connect-proxy', Port: 21000 }, /^Proxy\.DestinationServiceName: must be set/],
    [{ Name: 'p', Kind: 'mesh-gateway' }, /^Kind: /],
    [{ Name: 'web', Meta: { 'consul-x': 'y' } }, /^Meta\.consul-x: the "consul-" prefix is reserved/],
    [{ Name: 'web', Connect: { SidecarService: { Proxy: { Upstreams: [{ DestinationName: 'db' }] } } } }, /^Connect\.SidecarService\.Proxy\.Upstreams\[0\]\.LocalBindPort: is required/],
    [[1, 2], /must be a JSON object/],
  ];
  for (const [raw, re] of cases) {
    const r = parseServiceDefinition(raw);
    assert.equal(r.ok, false, JSON.stringify(raw));
    if (!r.ok) assert.match(r.error, re, JSON.stringify(raw));
  }
});

test('check IDs follow Consul: service:<id> for one check, service:<id>:<N> for several, CheckID if given', () => {
  let s = register(EMPTY_CATALOG_STATE, { Name: 'web', ID: 'web-1', Check: { TTL: '10s' } });
  assert.deepEqual([...s.checks.keys()], ['service:web-1']);
  assert.equal(s.checks.get('service:web-1')!.Status, 'critical', 'a TTL check starts critical');
  s = register(EMPTY_CATALOG_STATE, { Name: 'web', ID: 'web-1', Checks: [{ TTL: '10s' }, { TCP: '127.0.0.1:80', Interval: '5s' }, { CheckID: 'mine', TTL: '5s' }] });
  assert.deepEqual([...s.checks.keys()].sort(), ['mine', 'service:web-1:1', 'service:web-1:2']);
});

test('re-registering keeps a check status; replacing drops checks the definition no longer has', () => {
  let s = register(EMPTY_CATALOG_STATE, { Name: 'web', ID: 'web-1', Checks: [{ TTL: '10s' }, { TTL: '20s' }] });
  s = applyOps(s, [{ type: 'check-status', checkId: 'service:web-1:1', status: 'passing', output: 'fine' }]).state;
  const again = register(s, { Name: 'web', ID: 'web-1', Port: 81, Checks: [{ TTL: '10s' }, { TTL: '20s' }] });
  assert.equal(again.checks.get('service:web-1:1')!.Status, 'passing');
  assert.equal(again.checks.get('service:web-1:1')!.Output, 'fine');
  const kept = register(s, { Name: 'web', ID: 'web-1', Checks: [{ TTL: '10s' }] }, { keepMissingChecks: true });
  assert.equal(kept.checks.size, 3, "Consul's default keeps checks missing from the new definition");
  const replaced = register(s, { Name: 'web', ID: 'web-1', Checks: [{ TTL: '10s' }] });
  assert.deepEqual([...replaced.checks.keys()], ['service:web-1']);
});

test('Connect.SidecarService registers <id>-sidecar-proxy as Consul does, ports from 21000', () => {
  let s = register(EMPTY_CATALOG_STATE, {
    Name: 'web', ID: 'web-1', Port: 8080, Tags: ['v1'], Meta: { version: 'v1' },
    Connect: { SidecarService: { Proxy: { Upstreams: [{ DestinationName: 'db', LocalBindPort: 9191 }] } } },
  });
  const sc = s.services.get('web-1-sidecar-proxy')!;
  assert.equal(sc.Service, 'web-sidecar-proxy');
  assert.equal(sc.Kind, 'connect-proxy');
  assert.equal(sc.Port, 21000);
  assert.deepEqual(sc.Tags, ['v1']);
  assert.deepEqual(sc.Meta, { version: 'v1' });
  assert.equal(sc.ParentServiceID, 'web-1');
  assert.deepEqual(sc.Proxy, {
    DestinationServiceName: 'web',
    DestinationServiceID: 'web-1',
    LocalServiceAddress: '127.0.0.1',
    LocalServicePort: 8080,
    Upstreams: [{ DestinationType: 'service', DestinationName: 'db', LocalBindAddress: '127.0.0.1', LocalBindPort: 9191 }],
  });
  s = register(s, { Name: 'api', ID: 'api-1', Port: 9000, Connect: { SidecarService: {} } });
  assert.equal(s.services.get('api-1-sidecar-proxy')!.Port, 21001, 'the next free port');
  s = register(s, { Name: 'web', ID: 'web-1', Port: 8081, Connect: { SidecarService: {} } });
  assert.equal(s.services.get('web-1-sidecar-proxy')!.Port, 21000, 'a re-registered sidecar keeps its port');
  s = register(s, { Name: 'db', ID: 'db-1', Connect: { SidecarService: { Port: 30000 } } });
  assert.equal(s.services.get('db-1-sidecar-proxy')!.Port, 30000, 'the port from the definition');

  const ops = deregistrationOps(s, 'web-1')!;
  const after = applyOps(s, ops).state;
  assert.ok(!after.services.has('web-1') && !after.services.has('web-1-sidecar-proxy'), 'deregistering removes the sidecar');
  assert.equal(deregistrationOps(s, 'nope'), undefined);

  const without = register(s, { Name: 'api', ID: 'api-1', Port: 9000 });
  assert.ok(!without.services.has('api-1-sidecar-proxy'), 'a definition without the sidecar removes it');
});

test('no free sidecar port is a clear error', () => {
  const s = register(EMPTY_CATALOG_STATE, { Name: 'a', ID: 'a', Connect: { SidecarService: {} } }, { sidecarPorts: { min: 21000, max: 21000 } });
  assert.throws(
    () => registrationOps(s, def({ Name: 'b', ID: 'b', Connect: { SidecarService: {} } }), 'api', { sidecarPorts: { min: 21000, max: 21000 } }),
    (err: unknown) => err instanceof RegistrationError && /no free port in the sidecar port range 21000-21000/.test(err.message),
  );
});
