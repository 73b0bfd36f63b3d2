// ACL on the Consul HTTP API over real HTTP: every route refuses anonymous callers under deny, a token for
// web may register, read and configure web (and its sidecars) only, lists are filtered.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { of } from 'rxjs';
import { createRouter } from '../../../src/core/http/router.js';
import { createAclSource } from '../../../src/sources/acl/acl-source.js';
import { parseAclConfig, type AclConfig } from '../../../src/sources/file/acl-config.js';
import { aclGuardedRouter, requestCallers } from '../../../src/sources/consul-api/acl-router.js';
import { CONSUL_API_ROUTE_POLICIES } from '../../../src/sources/consul-api/acl-route-policy.js';
import type { ConnectCaSource } from '../../../src/sources/consul-api/connect-ca-routes.js';
import { call, startTestApi, type TestApi } from '../support/api-server.js';

function config(raw: unknown): AclConfig {
  const r = parseAclConfig(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const DENY = config({
  default_policy: 'deny',
  tokens: [
    { SecretID: 'web-secret', Description: 'web', Policies: [{ Service: 'web', Access: 'write' }] },
    { SecretID: 'op-read', Policies: [{ Operator: 'read' }] },
    { SecretID: 'op-write', Policies: [{ Operator: 'write' }] },
  ],
});

const fakeCa: ConnectCaSource = {
  roots: () => ({ trustDomain: 'rxds.test', activeRootId: 'r1', roots: [] }),
  leaf$: (service) =>
    of({ service, serviceUri: `spiffe://rxds.test/svc/${service}`, serialNumber: '01', certPem: 'CERT', privateKeyPem: 'KEY', validAfter: 0, validBefore: 1, rootId: 'r1' }),
};

let api: TestApi;
const as = (token: string | undefined): Record<string, string> => (token ? { 'X-Consul-Token': token } : {});
const req = (method: string, path: string, token?: string, body?: unknown) => call(method, `${api.url}${path}`, body, as(token));

before(async () => {
  api = await startTestApi({ acl: createAclSource(of(DENY)), ca: fakeCa });
  const op = 'op-write';
  for (const body of [
    { Name: 'api', ID: 'api-1', Port: 9001, Check: { TTL: '30s' } },
    { Name: 'api-sidecar-proxy', ID: 'api-sidecar-1', Kind: 'connect-proxy', Port: 21001, Proxy: { DestinationServiceName: 'api' } },
  ]) assert.equal((await req('PUT', '/v1/agent/service/register', op, body)).status, 200);
  assert.equal((await req('PUT', '/v1/config', op, { Kind: 'service-defaults', Name: 'api', Protocol: 'http' })).status, 200);
});
after(() => api.close());

/** A concrete URL path for a route pattern. */
function concrete(pattern: string): string {
  return pattern.replace(/[:*](\w+)/g, (_, p: string) => (p === 'kind' ? 'service-defaults' : p === 'id' ? 'api-1' : 'api'));
}

test('deny: every route of the table refuses anonymous callers and unknown tokens with 403 Permission denied', async () => {
  const routes = Object.keys(CONSUL_API_ROUTE_POLICIES);
  assert.ok(routes.length >= 18);
  for (const key of routes) {
    const [method, pattern] = key.split(' ') as [string, string];
    const body = method === 'PUT' ? { Name: 'x' } : undefined;
    for (const token of [undefined, 'not-a-token']) {
      const r = await req(method, concrete(pattern), token, body);
      assert.equal(r.status, 403, `${key} token=${token}: ${r.text}`);
      assert.match((r.json as { error: string }).error, /^Permission denied: /, key);
    }
  }
  assert.equal(api.store.current().services.size, 2, 'nothing was written');
});

test('a route without a policy cannot be added (no endpoint is left open by accident)', () => {
  const router = aclGuardedRouter(createRouter(), requestCallers(undefined), CONSUL_API_ROUTE_POLICIES);
  assert.throws(() => router.get('/v1/agent/secret', () => ({})), /no ACL policy for GET \/v1\/agent\/secret/);
});

test('a token for web registers web and its sidecars, and nothing of api', async () => {
  const ok = [
    { Name: 'web', ID: 'web-1', Port: 8080, Check: { TTL: '30s' }, Connect: { SidecarService: {} } },
    { Name: 'web-sidecar-proxy', ID: 'web-sidecar-2', Kind: 'connect-proxy', Port: 21002, Proxy: { DestinationServiceName: 'web' } },
  ];
  for (const body of ok) {
    const r = await req('PUT', '/v1/agent/service/register', 'web-secret', body);
    assert.equal(r.status, 200, r.text);
  }
  assert.ok(api.store.current().services.has('web-1-sidecar-proxy'));
  const before = api.store.current().index;
  const refused = [
    { Name: 'api', ID: 'api-2', Port: 9002 },
    { Name: 'api-sidecar-proxy', ID: 'p1', Kind: 'connect-proxy', Port: 21003, Proxy: { DestinationServiceName: 'api' } },
    { Name: 'web-sidecar-proxy', ID: 'p2', Kind: 'connect-proxy', Port: 21004, Proxy: { DestinationServiceName: 'api' } },
    { Name: 'api', ID: 'p3', Kind: 'connect-proxy', Port: 21005, Proxy: { DestinationServiceName: 'web' } },
    { Name: 'web', ID: 'api-1', Port: 9001 }, // would replace api's instance
  ];
  for (const body of refused) {
    const r = await req('PUT', '/v1/agent/service/register', 'web-secret', body);
    assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.text, /Permission denied: token \\"web\\" lacks service write/);
  }
  assert.equal(api.store.current().index, before, 'nothing stored');
  assert.equal(api.store.current().services.get('api-1')!.Service, 'api');

  assert.equal((await req('PUT', '/v1/agent/check/pass/service:api-1', 'web-secret')).status, 403);
  assert.equal((await req('PUT', '/v1/agent/check/pass/service:web-1', 'web-secret')).status, 200);
  assert.equal((await req('PUT', '/v1/agent/service/deregister/api-1', 'web-secret')).status, 403);
  assert.ok(api.store.current().services.has('api-1'));
  assert.equal((await req('PUT', '/v1/agent/service/deregister/web-sidecar-2', 'web-secret')).status, 200);
});

test('reads: single-service reads need service read (403), lists are filtered to what the token may read', async () => {
  assert.equal((await req('GET', '/v1/catalog/service/api', 'web-secret')).status, 403);
  assert.equal((await req('GET', '/v1/health/service/api', 'web-secret')).status, 403);
  assert.equal((await req('GET', '/v1/catalog/service/web', 'web-secret')).status, 200);
  assert.equal((await req('GET', '/v1/health/service/web-sidecar-proxy', 'web-secret')).status, 200);

  const names = Object.keys((await req('GET', '/v1/catalog/services', 'web-secret')).json as object).sort();
  assert.deepEqual(names, ['web', 'web-sidecar-proxy']);
  const all = Object.keys((await req('GET', '/v1/catalog/services', 'op-read')).json as object).sort();
  assert.deepEqual(all, ['api', 'api-sidecar-proxy', 'web', 'web-sidecar-proxy']);
  const ids = Object.keys((await req('GET', '/v1/agent/services', 'web-secret')).json as object).sort();
  assert.deepEqual(ids, ['web-1', 'web-1-sidecar-proxy']);
  const checks = Object.values((await req('GET', '/v1/agent/checks', 'web-secret')).json as object).map((c: { ServiceName: string }) => c.ServiceName);
  assert.ok(checks.length > 0 && checks.every((n) => n.startsWith('web')), JSON.stringify(checks));
  assert.equal((await req('GET', '/v1/rxds/sources', 'web-secret')).status, 403);
  assert.equal((await req('GET', '/v1/rxds/sources', 'op-read')).status, 200);
});

test('leaf certificates (private keys): service write on that service only; operator read is not enough', async () => {
  const web = await req('GET', '/v1/agent/connect/ca/leaf/web', 'web-secret');
  assert.equal(web.status, 200);
  assert.equal((web.json as { PrivateKeyPEM: string }).PrivateKeyPEM, 'KEY');
  assert.equal((await req('GET', '/v1/agent/connect/ca/leaf/web-sidecar-proxy', 'web-secret')).status, 200);
  const apiLeaf = await req('GET', '/v1/agent/connect/ca/leaf/api', 'web-secret');
  assert.equal(apiLeaf.status, 403);
  assert.doesNotMatch(apiLeaf.text, /KEY/);
  assert.equal((await req('GET', '/v1/agent/connect/ca/leaf/api', 'op-read')).status, 403);
  assert.equal((await req('GET', '/v1/agent/connect/ca/leaf/api', 'op-write')).status, 200);
  assert.equal((await req('GET', '/v1/connect/ca/roots', 'web-secret')).status, 200);
});

test("config entries: service-* entries need service write on their service, proxy-defaults operator write", async () => {
  assert.equal((await req('PUT', '/v1/config', 'web-secret', { Kind: 'service-defaults', Name: 'web', Protocol: 'http' })).status, 200);
  const before = api.store.current().index;
  assert.equal((await req('PUT', '/v1/config', 'web-secret', { Kind: 'service-defaults', Name: 'api', Protocol: 'grpc' })).status, 403);
  assert.equal((await req('PUT', '/v1/config', 'web-secret', { Kind: 'proxy-defaults', Name: 'global' })).status, 403);
  assert.equal((await req('DELETE', '/v1/config/service-defaults/api', 'web-secret')).status, 403);
  assert.equal(api.store.current().index, before);
  assert.equal((await req('GET', '/v1/config/service-defaults/api', 'web-secret')).status, 403);
  const list = (await req('GET', '/v1/config/service-defaults', 'web-secret')).json as { Name: string }[];
  assert.deepEqual(list.map((e) => e.Name), ['web']);
  assert.equal((await req('PUT', '/v1/config', 'op-write', { Kind: 'proxy-defaults', Name: 'global' })).status, 200);
  assert.equal((await req('GET', '/v1/config/proxy-defaults/global', 'web-secret')).status, 200);
});

test('the token may come as Authorization: Bearer or ?token=', async () => {
  assert.equal((await call('GET', `${api.url}/v1/catalog/service/web`, undefined, { Authorization: 'Bearer web-secret' })).status, 200);
  assert.equal((await call('GET', `${api.url}/v1/catalog/service/web?token=web-secret`)).status, 200);
  assert.equal((await call('GET', `${api.url}/v1/catalog/service/api?token=web-secret`)).status, 403);
});

test('allow: anonymous callers may do everything; without an acl section too', async () => {
  for (const acl of [createAclSource(of(config({ default_policy: 'allow' }))), createAclSource(of(undefined))]) {
    const open = await startTestApi({ acl, ca: fakeCa });
    try {
      const r = await call('PUT', `${open.url}/v1/agent/service/register`, { Name: 'api', ID: 'api-9', Port: 1 });
      assert.equal(r.status, 200, r.text);
      assert.equal((await call('GET', `${open.url}/v1/agent/connect/ca/leaf/api`)).status, 200);
      assert.equal((await call('GET', `${open.url}/v1/rxds/sources`)).status, 200);
    } finally {
      await open.close();
    }
  }
});
