import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/sources/store/sqlite-store.js';
import { call, startTestApi } from './support/api-server.js';
import { httpGet } from './support/http-get.js';
import { withTimeout } from '../support/wait.js';

const READS = ['/v1/health/service/web', '/v1/health/service/web?passing', '/v1/catalog/service/web', '/v1/catalog/services', '/v1/agent/services', '/v1/agent/checks', '/v1/config/service-defaults'];

/** Resolves when `predicate(n)` holds for the number of waiting blocking queries. */
function waitingCounter() {
  let current = 0;
  let waiters: { pred: (n: number) => boolean; resolve: () => void }[] = [];
  return {
    onWaitingChange(n: number) {
      current = n;
      waiters = waiters.filter((w) => (w.pred(n) ? (w.resolve(), false) : true));
    },
    until(pred: (n: number) => boolean): Promise<void> {
      if (pred(current)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

test('X-Consul-Index is never 0 and never goes backwards, across changes and a restart on the same data dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-bq-'));
  try {
    const last = new Map<string, number>();
    const observe = async (url: string) => {
      for (const path of READS) {
        const r = await call('GET', `${url}${path}`);
        assert.equal(r.status, 200, path);
        assert.ok(r.index > 0, `${path}: index ${r.index} > 0`);
        assert.ok(r.index >= (last.get(path) ?? 0), `${path}: ${r.index} >= ${last.get(path)}`);
        last.set(path, r.index);
      }
    };
    let api = await startTestApi({ store: await openSqliteStore(dir) });
    await observe(api.url);
    const steps: [string, string, unknown?][] = [
      ['PUT', '/v1/agent/service/register', { Name: 'web', ID: 'web-1', Port: 1, Check: { TTL: '10s' } }],
      ['PUT', '/v1/agent/check/pass/service:web-1'],
      ['PUT', '/v1/agent/service/register', { Name: 'api', ID: 'api-1', Port: 2 }],
      ['PUT', '/v1/config', { Kind: 'service-defaults', Name: 'web', Protocol: 'http' }],
      ['PUT', '/v1/agent/service/register', { Name: 'web', ID: 'web-2', Port: 3 }],
      ['PUT', '/v1/agent/service/deregister/web-1'],
      ['PUT', '/v1/agent/service/deregister/web-2'],
      ['DELETE', '/v1/config/service-defaults/web'],
    ];
    for (const [i, [method, path, body]] of steps.entries()) {
      const r = await call(method, `${api.url}${path}`, body);
      assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
      await observe(api.url);
      if (i === 4) {
        // Restart on the same data dir half way: indexes carry on from where they were.
        await api.close();
        api = await startTestApi({ store: await openSqliteStore(dir) });
        await observe(api.url);
      }
    }
    const web = await call('GET', `${api.url}/v1/health/service/web`);
    assert.deepEqual(web.json, []);
    assert.ok(web.index > 2, 'the emptied service keeps the index of its last change, not 1');
    await api.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a waiting query is released by a change of its result, not by other changes; a lower index answers at once', async () => {
  const counter = waitingCounter();
  const api = await startTestApi({ onWaitingChange: counter.onWaitingChange });
  try {
    await call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 1 });
    const first = await call('GET', `${api.url}/v1/health/service/web`);
    const lower = await call('GET', `${api.url}/v1/health/service/web?index=${first.index - 1}&wait=1m`);
    assert.equal(lower.index, first.index, 'an index lower than the current one returns at once');

    let settled = false;
    const waiting = httpGet(`${api.url}/v1/health/service/web?index=${first.index}&wait=1m`).then((r) => {
      settled = true;
      return r;
    });
    await counter.until((n) => n === 1);
    await call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'other', ID: 'other-1', Port: 2 });
    await call('GET', `${api.url}/v1/catalog/services`); // a round trip after the unrelated write
    assert.equal(settled, false, 'a change of another service does not release it');
    await call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'web', ID: 'web-2', Port: 3 });
    const released = await waiting;
    assert.ok(released.index > first.index);
    assert.deepEqual((JSON.parse(released.body) as { Service: { ID: string } }[]).map((e) => e.Service.ID), ['web-1', 'web-2']);
    await counter.until((n) => n === 0);
  } finally {
    await api.close();
  }
});

test('when the wait ends, the answer is the unchanged result with the same index', async () => {
  const api = await startTestApi({ random: () => 0 });
  try {
    await call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 1 });
    const first = await call('GET', `${api.url}/v1/catalog/service/web`);
    const r = await httpGet(`${api.url}/v1/catalog/service/web?index=${first.index}&wait=100ms`);
    assert.equal(r.status, 200);
    assert.equal(r.index, first.index);
    assert.equal(r.body, first.text);
  } finally {
    await api.close();
  }
});

test('1000 concurrent waiters are all released by one change, with the same answer', async () => {
  const counter = waitingCounter();
  const api = await startTestApi({ onWaitingChange: counter.onWaitingChange });
  try {
    await call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 1, Check: { TTL: '10s' } });
    const first = await call('GET', `${api.url}/v1/health/service/web`);
    const all = Array.from({ length: 1000 }, () => httpGet(`${api.url}/v1/health/service/web?index=${first.index}&wait=5m`));
    await counter.until((n) => n === 1000);
    const write = await call('PUT', `${api.url}/v1/agent/check/pass/service:web-1`);
    assert.equal(write.status, 200);
    const results = await Promise.all(all);
    assert.equal(results.length, 1000);
    const bodies = new Set(results.map((r) => r.body));
    assert.equal(bodies.size, 1);
    assert.ok(results.every((r) => r.status === 200 && r.index > first.index && r.index === results[0]!.index));
    assert.equal((JSON.parse(results[0]!.body) as { Checks: { Status: string }[] }[])[0]!.Checks[0]!.Status, 'passing');
    await counter.until((n) => n === 0);
  } finally {
    await api.close();
  }
});

test('wait and index are validated', async () => {
  const api = await startTestApi();
  try {
    for (const q of ['index=abc', 'index=-1', 'index=1&wait=forever', 'index=1&wait=10']) {
      const r = await call('GET', `${api.url}/v1/catalog/services?${q}`);
      assert.equal(r.status, 400, q);
      assert.match((r.json as { error: string }).error, /Invalid (index|wait)/, q);
      assert.ok(r.index > 0, 'errors carry X-Consul-Index too');
    }
  } finally {
    await api.close();
  }
});

test('releaseWaiters (shutdown) answers every parked query now with its current result, and later ones at once', async () => {
  const counter = waitingCounter();
  const api = await startTestApi({ onWaitingChange: counter.onWaitingChange });
  try {
    await call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 1 });
    const paths = ['/v1/health/service/web', '/v1/catalog/service/web', '/v1/catalog/services'];
    const firsts = await Promise.all(paths.map((p) => call('GET', `${api.url}${p}`)));
    const parked = paths.map((p, i) => httpGet(`${api.url}${p}${p.includes('?') ? '&' : '?'}index=${firsts[i]!.index}&wait=10m`));
    await counter.until((n) => n === paths.length);
    api.server.releaseWaiters();
    const answers = await Promise.all(parked);
    answers.forEach((r, i) => {
      assert.equal(r.status, 200, paths[i]);
      assert.equal(r.index, firsts[i]!.index, `${paths[i]}: the unchanged result, same index`);
      assert.equal(r.body, firsts[i]!.text, paths[i]);
    });
    await counter.until((n) => n === 0);
    const later = await httpGet(`${api.url}/v1/health/service/web?index=${firsts[0]!.index}&wait=10m`);
    assert.equal(later.status, 200, 'a blocking query after the release is answered without waiting');
    assert.equal(later.index, firsts[0]!.index);
  } finally {
    await api.close();
  }
});

test('a parked query whose client goes away is taken out unanswered; the others still wait and are released', async () => {
  const counter = waitingCounter();
  const errors: unknown[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (o: object) => void errors.push(o), child: () => logger };
  const api = await startTestApi({ onWaitingChange: counter.onWaitingChange, logger });
  try {
    await call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 1, Check: { TTL: '10s' } });
    const first = await call('GET', `${api.url}/v1/health/service/web`);
    const url = `${api.url}/v1/health/service/web?index=${first.index}&wait=5m`;
    const leaving = Array.from({ length: 3 }, () => {
      const aborter = new AbortController();
      const done = fetch(url, { signal: aborter.signal }).then(
        () => 'answered',
        () => 'aborted',
      );
      return { aborter, done };
    });
    const staying = httpGet(url);
    await counter.until((n) => n === 4);
    for (const l of leaving) l.aborter.abort();
    assert.deepEqual(await Promise.all(leaving.map((l) => l.done)), ['aborted', 'aborted', 'aborted']);
    await withTimeout(counter.until((n) => n === 1), 5000, 'the three gone queries to be taken out');
    const write = await call('PUT', `${api.url}/v1/agent/check/pass/service:web-1`);
    assert.equal(write.status, 200);
    const r = await staying;
    assert.equal(r.status, 200);
    assert.ok(r.index > first.index);
    await counter.until((n) => n === 0);
    assert.deepEqual(errors, [], 'nothing was written to the gone clients, nothing failed');
  } finally {
    await api.close();
  }
});
