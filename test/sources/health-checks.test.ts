import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { asyncScheduler, VirtualTimeScheduler } from 'rxjs';
import { createCatalog } from '../../src/sources/catalog/catalog.js';
import { startHealthChecks } from '../../src/sources/catalog/health-checks.js';
import { createMemoryStore } from '../../src/sources/store/memory-store.js';
import { call, startTestApi } from './support/api-server.js';
import { waitFor } from '../support/wait.js';

/** Moves virtual time forward by `ms`, running everything due on the way. */
function advance(s: VirtualTimeScheduler, ms: number): void {
  s.schedule(() => {}, ms);
  s.maxFrames = s.now() + ms;
  s.flush();
}

async function withApiAndRunner(scheduler: VirtualTimeScheduler | typeof asyncScheduler) {
  const store = createMemoryStore();
  const catalog = createCatalog(store, { keepAliveMs: 20 });
  const health = startHealthChecks(store, catalog, { scheduler, limits: { minIntervalMs: 0 } });
  const api = await startTestApi({ store, catalog, health: health.hooks });
  return {
    store,
    catalog,
    api,
    check: (id: string) => store.current().checks.get(id),
    async close() {
      health.stop();
      await api.close();
    },
  };
}

test('TTL: updates through the API restart the TTL even when nothing changes; silence expires it', async () => {
  const scheduler = new VirtualTimeScheduler();
  const h = await withApiAndRunner(scheduler);
  try {
    const reg = await call('PUT', `${h.api.url}/v1/agent/service/register`, { Name: 'job', ID: 'job-1', Port: 1, Check: { TTL: '10s' } });
    assert.equal(reg.status, 200);
    assert.equal(h.check('service:job-1')!.Status, 'critical');
    await call('PUT', `${h.api.url}/v1/agent/check/pass/service:job-1?note=alive`);
    advance(scheduler, 6000);
    const index = h.store.current().index;
    await call('PUT', `${h.api.url}/v1/agent/check/pass/service:job-1?note=alive`);
    assert.equal(h.store.current().index, index, 'an identical heartbeat writes nothing');
    advance(scheduler, 6000);
    assert.equal(h.check('service:job-1')!.Status, 'passing', '12 s after the first pass, 6 s after the second: alive');
    advance(scheduler, 5000);
    assert.equal(h.check('service:job-1')!.Status, 'critical');
    assert.equal(h.check('service:job-1')!.Output, 'TTL expired (last output before timeout follows): alive');
  } finally {
    await h.close();
  }
});

test('DeregisterCriticalServiceAfter deregisters the service and its sidecar', async () => {
  const scheduler = new VirtualTimeScheduler();
  const h = await withApiAndRunner(scheduler);
  try {
    await call('PUT', `${h.api.url}/v1/agent/service/register`, {
      Name: 'job',
      ID: 'job-1',
      Port: 1,
      Check: { TTL: '10s', DeregisterCriticalServiceAfter: '1m' },
      Connect: { SidecarService: {} },
    });
    await call('PUT', `${h.api.url}/v1/agent/check/pass/service:job-1`);
    advance(scheduler, 10_000);
    assert.equal(h.check('service:job-1')!.Status, 'critical');
    advance(scheduler, 59_000);
    assert.ok(h.store.current().services.has('job-1'), 'not yet: critical for 59 s');
    advance(scheduler, 1000);
    assert.deepEqual([...h.store.current().services.keys()], [], 'the service and its sidecar are gone');
    const services = await call('GET', `${h.api.url}/v1/agent/services`);
    assert.deepEqual(services.json, {});
  } finally {
    await h.close();
  }
});

test('HTTP: a check probes the service and its status flows into the health endpoint', async (t) => {
  let code = 200;
  const backend = http.createServer((_req, res) => res.writeHead(code).end(`code ${code}`));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => backend.close(() => r())));
  const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/health`;
  const h = await withApiAndRunner(asyncScheduler);
  try {
    await call('PUT', `${h.api.url}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 1, Check: { HTTP: url, Interval: '50ms' } });
    const statuses$ = h.catalog.serviceHealth$('web');
    await waitFor(statuses$, (s) => s.value[0]?.checks[0]?.Status === 'passing', 'passing');
    const passing = await call('GET', `${h.api.url}/v1/health/service/web?passing`);
    assert.deepEqual((passing.json as { Service: { ID: string } }[]).map((e) => e.Service.ID), ['web-1']);
    code = 503;
    const critical = await waitFor(statuses$, (s) => s.value[0]?.checks[0]?.Status === 'critical', 'critical');
    assert.match(critical.value[0]!.checks[0]!.Output, /503/);
    // A TTL-style update is refused for an HTTP check: its status comes from the probe.
    const refused = await call('PUT', `${h.api.url}/v1/agent/check/pass/service:web-1`);
    assert.equal(refused.status, 400);
  } finally {
    await h.close();
  }
});

test('after a restart the runner starts from the stored status (no reset to critical)', async () => {
  const scheduler = new VirtualTimeScheduler();
  const store = createMemoryStore();
  const catalog = createCatalog(store, { keepAliveMs: 0 });
  await store.write([
    { type: 'service-put', service: { ID: 'job-1', Service: 'job', Kind: '', Tags: [], Meta: {}, Address: '', Port: 1, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Owner: 'api' } },
    { type: 'check-put', check: { CheckID: 'service:job-1', Name: 'ttl', Status: 'passing', Notes: '', Output: 'ok', ServiceID: 'job-1', ServiceName: 'job', ServiceTags: [], Type: 'ttl', Definition: { TTL: '10s' }, Owner: 'api' } },
  ]);
  const index = store.current().index;
  const health = startHealthChecks(store, catalog, { scheduler });
  try {
    advance(scheduler, 9000);
    assert.equal(store.current().index, index, 'nothing written while the TTL runs');
    advance(scheduler, 1000);
    assert.equal(store.current().checks.get('service:job-1')!.Status, 'critical');
  } finally {
    health.stop();
    await store.close();
  }
});
