import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import Consul from 'consul';
import { call, startTestApi, type TestApi } from './support/api-server.js';

let api: TestApi;
let consul: Consul;

before(async () => {
  api = await startTestApi();
  consul = new Consul({ host: '127.0.0.1', port: api.port });
});
after(async () => {
  (consul as unknown as { destroy(): void }).destroy();
  await api.close();
});

interface HealthEntry {
  Service: { ID: string; Service: string; Port: number; Kind?: string };
  Checks: { CheckID: string; Status: string; Output: string }[];
}

test('register with a TTL check and a sidecar, read it back through the agent, catalog and health APIs', async () => {
  await consul.agent.service.register({
    name: 'web',
    id: 'web-1',
    address: '127.0.0.1',
    port: 8080,
    tags: ['v1'],
    meta: { version: 'v1' },
    check: { ttl: '30s' },
    connect: { sidecarservice: { proxy: { destinationservicename: 'web', upstreams: [{ DestinationName: 'db', LocalBindPort: 9191 }] } } },
  } as never);

  const services = (await consul.agent.service.list()) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(services).sort(), ['web-1', 'web-1-sidecar-proxy']);
  assert.equal(services['web-1']!['Service'], 'web');
  assert.deepEqual(services['web-1']!['Meta'], { version: 'v1' });
  const sidecar = services['web-1-sidecar-proxy']!;
  assert.equal(sidecar['Kind'], 'connect-proxy');
  assert.equal(sidecar['Service'], 'web-sidecar-proxy');
  assert.equal(sidecar['Port'], 21000);
  assert.deepEqual((sidecar['Proxy'] as Record<string, unknown>)['DestinationServiceID'], 'web-1');

  const checks = (await consul.agent.check.list()) as Record<string, { Status: string; ServiceID: string }>;
  assert.deepEqual(Object.keys(checks), ['service:web-1']);
  assert.equal(checks['service:web-1']!.Status, 'critical', 'a TTL check starts critical');

  const nodes = (await consul.catalog.service.nodes('web')) as { ServiceID: string; ServicePort: number; ServiceTags: string[]; Node: string }[];
  assert.deepEqual(nodes.map((n) => [n.ServiceID, n.ServicePort, n.ServiceTags]), [['web-1', 8080, ['v1']]]);
  const catalog = (await consul.catalog.service.list()) as Record<string, string[]>;
  assert.deepEqual(catalog, { web: ['v1'], 'web-sidecar-proxy': ['v1'] });

  const health = (await consul.health.service('web')) as HealthEntry[];
  assert.equal(health.length, 1);
  assert.deepEqual(health[0]!.Checks.map((c) => [c.CheckID, c.Status]), [['service:web-1', 'critical']]);
  assert.deepEqual(await consul.health.service({ service: 'web', passing: true }), []);
});

test('TTL pass / warn / fail move the check and the passing filter follows', async () => {
  const status = async () => ((await consul.health.service('web')) as HealthEntry[])[0]!.Checks[0]!;
  const passing = async () => ((await consul.health.service({ service: 'web', passing: true })) as HealthEntry[]).map((e) => e.Service.ID);

  await consul.agent.check.pass({ id: 'service:web-1', note: 'all good' });
  assert.deepEqual([(await status()).Status, (await status()).Output], ['passing', 'all good']);
  assert.deepEqual(await passing(), ['web-1']);

  await consul.agent.check.warn({ id: 'service:web-1', note: 'slow' });
  assert.equal((await status()).Status, 'warning');
  assert.deepEqual(await passing(), [], 'a warning is not passing');

  await consul.agent.check.fail('service:web-1');
  assert.deepEqual([(await status()).Status, (await status()).Output], ['critical', '']);

  await assert.rejects(consul.agent.check.pass('service:nope'), (err: Error & { response?: { statusCode: number } }) => {
    assert.equal(err.response?.statusCode, 404);
    return true;
  });
});

test('deregister removes the service, its checks and its sidecar; an unknown ID is a 404', async () => {
  await consul.agent.service.deregister('web-1');
  assert.deepEqual(await consul.agent.service.list(), {});
  assert.deepEqual(await consul.agent.check.list(), {});
  assert.deepEqual(await consul.catalog.service.nodes('web'), []);
  assert.deepEqual(await consul.catalog.service.list(), {});
  await assert.rejects(consul.agent.service.deregister('web-1'), (err: Error & { response?: { statusCode: number } }) => {
    assert.equal(err.response?.statusCode, 404);
    return true;
  });
});

test('a consul.watch on health.service sees every change of that service in order, and nothing else', async () => {
  const seen: string[][] = [];
  const waiters: ((v: string[]) => void)[] = [];
  const watch = consul.watch({ method: consul.health.service, options: { service: 'db', wait: '5s' } as never });
  watch.on('change', (data: HealthEntry[]) => {
    const view = data.map((e) => `${e.Service.ID}:${e.Service.Port}:${e.Checks.map((c) => c.Status).join(',')}`);
    seen.push(view);
    waiters.shift()?.(view);
  });
  watch.on('error', (err: Error) => assert.fail(err));
  const next = () => new Promise<string[]>((resolve) => waiters.push(resolve));
  try {
    assert.deepEqual(await next(), []);
    const change1 = next();
    await consul.agent.service.register({ name: 'db', id: 'db-1', port: 5432, check: { ttl: '30s' } } as never);
    assert.deepEqual(await change1, ['db-1:5432:critical']);
    const change2 = next();
    await consul.agent.service.register({ name: 'other', id: 'other-1', port: 1 } as never); // not db: no change
    await consul.agent.check.pass('service:db-1');
    assert.deepEqual(await change2, ['db-1:5432:passing']);
    const change3 = next();
    await consul.agent.service.register({ name: 'db', id: 'db-2', port: 5433 } as never);
    assert.deepEqual(await change3, ['db-1:5432:passing', 'db-2:5433:']);
    const change4 = next();
    await consul.agent.service.deregister('db-1');
    assert.deepEqual(await change4, ['db-2:5433:']);
    assert.equal(seen.length, 5, 'one change event per change of db, none for the other service');
  } finally {
    watch.end();
  }
});

test('config entries: write, read, list, check-and-set, validation errors naming the field, delete', async () => {
  const put = await call('PUT', `${api.url}/v1/config`, { Kind: 'service-defaults', Name: 'web', Protocol: 'http' });
  assert.equal(put.status, 200);
  assert.equal(put.json, true);

  const got = await call('GET', `${api.url}/v1/config/service-defaults/web`);
  assert.equal(got.status, 200);
  const entry = got.json as Record<string, unknown>;
  assert.equal(entry['Protocol'], 'http');
  assert.equal(entry['Kind'], 'service-defaults');
  assert.equal(got.index, entry['ModifyIndex']);

  const cas = await call('PUT', `${api.url}/v1/config?cas=0`, { kind: 'service-defaults', name: 'web', protocol: 'grpc' });
  assert.equal(cas.json, false, 'cas=0 refuses to overwrite');
  const cas2 = await call('PUT', `${api.url}/v1/config?cas=${entry['ModifyIndex']}`, { kind: 'service-defaults', name: 'web', protocol: 'grpc' });
  assert.equal(cas2.json, true);

  await call('PUT', `${api.url}/v1/config`, { Kind: 'service-resolver', Name: 'web', Subsets: { v1: { Filter: 'Service.Meta.version == v1' } } });
  const bad = await call('PUT', `${api.url}/v1/config`, {
    Kind: 'service-splitter',
    Name: 'web',
    Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 40, ServiceSubset: 'v1' }],
  });
  assert.equal(bad.status, 400);
  assert.match((bad.json as { error: string }).error, /Splits/);
  const missing = await call('PUT', `${api.url}/v1/config`, {
    Kind: 'service-splitter',
    Name: 'web',
    Splits: [{ Weight: 100, ServiceSubset: 'v9' }],
  });
  assert.equal(missing.status, 400);
  assert.match((missing.json as { error: string }).error, /v9/);

  const list = await call('GET', `${api.url}/v1/config/service-defaults`);
  assert.deepEqual((list.json as { Name: string; Protocol: string }[]).map((e) => [e.Name, e.Protocol]), [['web', 'grpc']]);

  const del = await call('DELETE', `${api.url}/v1/config/service-defaults/web`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.json, {});
  const gone = await call('GET', `${api.url}/v1/config/service-defaults/web`);
  assert.equal(gone.status, 404);
  assert.ok(gone.index > 0);
});
