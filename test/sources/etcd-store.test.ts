import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom } from 'rxjs';
import { Etcd3 } from 'etcd3';
import { openEtcdStore, type EtcdStateStore, type EtcdStoreOptions } from '../../src/sources/store/etcd-store.js';
import type { CatalogState } from '../../src/sources/store/catalog-state.js';
import type { StateStore } from '../../src/sources/store/state-store.js';
import { StoreConflictError, StoreUnavailableError } from '../../src/sources/store/store-errors.js';
import { createSourceStatusRegistry } from '../../src/sources/source-status.js';
import { startEtcd, type EtcdServer } from '../support/etcd-server.js';
import { freePort } from '../support/ports.js';
import { waitFor, withTimeout } from '../support/wait.js';
import { configInput, put, serviceInput } from './support/fixtures.js';

let etcd: EtcdServer;
let prefixes = 0;
/** The prefix of the latest {@link replicas} call. */
let lastPrefix = '';
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.destroy();
});

/** Two (or more) stores on one fresh prefix: replicas of one mesh. */
async function replicas(n: number, extra: Partial<EtcdStoreOptions> = {}): Promise<EtcdStateStore[]> {
  const prefix = (lastPrefix = `/etcd-store-test-${++prefixes}/`);
  const stores: EtcdStateStore[] = [];
  for (let i = 0; i < n; i++) stores.push(await openEtcdStore({ endpoints: [etcd.endpoint], prefix, ...extra }));
  return stores;
}

const closeAll = (stores: readonly StateStore[]) => Promise.all(stores.map((s) => s.close()));
const atIndex = (store: StateStore, index: number, what = `index ${index}`) => waitFor(store.state$, (s) => s.index >= index, what);

/** What every replica must agree on: records (with Create/ModifyIndex), per-slice indexes, the index. */
function comparable(s: CatalogState) {
  const sorted = (m: ReadonlyMap<string, unknown>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return { index: s.index, services: sorted(s.services), checks: sorted(s.checks), config: sorted(s.configEntries), indexes: sorted(s.indexes) };
}

test('two stores on one etcd see each other\'s writes in order, with the same indexes', async () => {
  const [a, b] = await replicas(2);
  try {
    const seenByB: number[] = [];
    const sub = b!.state$.subscribe((s) => seenByB.push(s.index));
    assert.equal(await a!.write([put(serviceInput('web-1'))]), 2);
    assert.equal(await b!.write([put(serviceInput('api-1'))]), 3, 'B computes its write on the state that holds A\'s');
    assert.equal(await a!.write([put(serviceInput('web-1', { Port: 9090 }))]), 4);
    await atIndex(b!, 4);
    await atIndex(a!, 4);
    assert.deepEqual(comparable(b!.current()), comparable(a!.current()));
    const web = b!.current().services.get('web-1')!;
    assert.deepEqual([web.CreateIndex, web.ModifyIndex, web.Port], [2, 4, 9090]);
    assert.equal(b!.current().indexes.get('service/web'), 4);
    assert.deepEqual(seenByB.filter((i, k) => seenByB.indexOf(i) === k), seenByB, 'B never sees an index twice');
    assert.ok(seenByB.every((i, k) => k === 0 || i > seenByB[k - 1]!), `B's indexes only grow: ${seenByB}`);
    sub.unsubscribe();

    // A replica started later reads the same state.
    const late = await openEtcdStore({ endpoints: [etcd.endpoint], prefix: lastPrefix });
    assert.deepEqual(comparable(late.current()), comparable(a!.current()));
    await late.close();
  } finally {
    await closeAll([a!, b!]);
  }
});

test('concurrent read-modify-writes from two replicas are retried, never lost: every port is picked once', async () => {
  const [a, b] = await replicas(2);
  try {
    // Each write picks the next free port from the state it is applied to (like sidecar port assignment).
    const register = (store: StateStore, id: string) =>
      store.write((state) => {
        const used = [...state.services.values()].map((s) => s.Port);
        return [put(serviceInput(id, { Service: 'svc', Port: Math.max(21000, ...used) + 1 }))];
      });
    const writes: Promise<number>[] = [];
    for (let i = 0; i < 15; i++) writes.push(register(a!, `a-${i}`), register(b!, `b-${i}`));
    const indexes = await Promise.all(writes);
    assert.deepEqual([...indexes].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 2), 'each write its own index');
    await atIndex(a!, 31);
    await atIndex(b!, 31);
    const ports = [...a!.current().services.values()].map((s) => s.Port).sort();
    assert.equal(new Set(ports).size, 30, `no port picked twice: ${ports}`);
    assert.deepEqual(comparable(a!.current()), comparable(b!.current()));

    // Check-and-set from both replicas at once: exactly one wins.
    const entry = (p: string) => ({ type: 'config-put' as const, entry: configInput('service-defaults', 'svc', { Protocol: p }), cas: 0 });
    const results = await Promise.allSettled([a!.write([entry('http')]), b!.write([entry('grpc')])]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one CAS write wins');
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(lost.reason instanceof StoreConflictError && lost.reason.reason === 'cas-mismatch', String(lost.reason));
  } finally {
    await closeAll([a!, b!]);
  }
});

test('a refusal is never based on a stale state: a check registered on A can be updated through B at once', async () => {
  const [a, b] = await replicas(2);
  try {
    const web = serviceInput('web-1');
    await a!.write([put(web), { type: 'check-put', check: { CheckID: 'c1', Name: 'c1', Status: 'critical', Notes: '', Output: '', ServiceID: 'web-1', ServiceName: 'web', ServiceTags: [], Type: 'ttl', Definition: { TTL: '10s' }, Owner: 'api' } }]);
    // No wait for B's watch: B's write must still find the check.
    const i = await b!.write([{ type: 'check-status', checkId: 'c1', status: 'passing', output: 'ok' }]);
    assert.equal(i, 3);
    assert.equal(b!.current().checks.get('c1')!.Status, 'passing');
  } finally {
    await closeAll([a!, b!]);
  }
});

test('etcd restarted mid-run: writes are refused (503 class) and the store degraded, then both work again and the watch resumes', async () => {
  const status = createSourceStatusRegistry();
  const prefix = `/etcd-store-test-${++prefixes}/`;
  const a = await openEtcdStore({ endpoints: [etcd.endpoint], prefix, sourceStatus: status, requestTimeoutMs: 1000 });
  const b = await openEtcdStore({ endpoints: [etcd.endpoint], prefix });
  try {
    await a.write([put(serviceInput('before-1'))]);
    await atIndex(b, 2);
    await etcd.stop();
    await assert.rejects(a.write([put(serviceInput('during-1'))]), (err: unknown) => err instanceof StoreUnavailableError && /etcd/.test(err.message));
    assert.equal(status.list().find((s) => s.Name === 'store')?.State, 'degraded');
    assert.equal(a.current().services.has('during-1'), false, 'nothing half-applied');

    await etcd.start();
    // The first writes after the restart may still meet the reconnecting channel; a client retries.
    let index = 0;
    for (let i = 0; i < 100 && index === 0; i++) {
      index = await a.write([put(serviceInput('after-1'))]).catch(async (err: unknown) => {
        assert.ok(err instanceof StoreUnavailableError, String(err));
        await new Promise((r) => setTimeout(r, 50));
        return 0;
      });
    }
    assert.equal(index, 3);
    await waitFor(status.statuses$, (l) => l.find((s) => s.Name === 'store')?.State === 'ok', 'store ok again');
    // B's watch broke with the restart; it resumes and sees A's write, then B writes and A sees it.
    await atIndex(b, 3, 'B sees the write made after the restart');
    assert.ok(b.current().services.has('after-1'));
    assert.equal(await b.write([put(serviceInput('from-b-1'))]), 4);
    await atIndex(a, 4, 'A sees B\'s write');
    assert.deepEqual(comparable(a.current()), comparable(b.current()));
  } finally {
    await closeAll([a, b]);
  }
});

test('a foreign or damaged key under the prefix is skipped; the store keeps serving', async () => {
  const [a] = await replicas(1);
  const raw = new Etcd3({ hosts: etcd.endpoint });
  try {
    await a!.write([put(serviceInput('web-1'))]);
    await raw.put(`${lastPrefix}services/bad`).value('{not json');
    await raw.put(`${lastPrefix}unknown-table/x`).value('1');
    assert.equal(await a!.write([put(serviceInput('api-1'))]), 3);
    assert.deepEqual([...a!.current().services.keys()].sort(), ['api-1', 'web-1']);
    const again = await openEtcdStore({ endpoints: [etcd.endpoint], prefix: lastPrefix });
    assert.deepEqual([...again.current().services.keys()].sort(), ['api-1', 'web-1']);
    await again.close();
  } finally {
    raw.close();
    await closeAll([a!]);
  }
});

test('an endpoint written with a trailing slash works', async () => {
  const store = await openEtcdStore({ endpoints: [`${etcd.endpoint}/`], prefix: `/etcd-store-test-${++prefixes}/`, connectTimeoutMs: 2000 });
  assert.equal(await store.write([put(serviceInput('web-1'))]), 2);
  await store.close();
});

test('opening against an unreachable etcd fails clearly within the connect timeout', async () => {
  const port = await freePort();
  const started = Date.now();
  await assert.rejects(
    openEtcdStore({ endpoints: [`http://127.0.0.1:${port}`], connectTimeoutMs: 500 }),
    (err: unknown) => err instanceof StoreUnavailableError && err.message.includes(`cannot reach etcd at http://127.0.0.1:${port}`),
  );
  assert.ok(Date.now() - started < 5000, 'bounded wait, no hang');
});

test('system records (the CA state) are shared too: a first-write race between replicas has one winner', async () => {
  const [a, b] = await replicas(2);
  try {
    const first = (store: StateStore, value: string) => store.write([{ type: 'system-put', key: 'connect-ca', value: { root: value }, cas: 0 }]);
    const results = await Promise.allSettled([first(a!, 'from-a'), first(b!, 'from-b')]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one first write wins');
    const index = Math.max(...results.map((r) => (r.status === 'fulfilled' ? r.value : 0)));
    await atIndex(a!, index);
    await atIndex(b!, index);
    assert.deepEqual(a!.current().system.get('connect-ca'), b!.current().system.get('connect-ca'));
    assert.equal(b!.current().indexes.get('system/connect-ca'), index);
  } finally {
    await closeAll([a!, b!]);
  }
});

test('a write larger than etcd allows in one Txn is refused whole with a clear message; the writes queued around it succeed', async () => {
  const [a] = await replicas(1);
  try {
    // The test etcd runs with --max-txn-ops 1024: 600 services of distinct names touch ~1200 keys.
    const big = Array.from({ length: 600 }, (_, i) => put(serviceInput(`big${i}-1`)));
    const [small, huge, later] = await Promise.allSettled([a!.write([put(serviceInput('small-1'))]), a!.write(big), a!.write([put(serviceInput('later-1'))])]);
    assert.deepEqual(small, { status: 'fulfilled', value: 2 });
    assert.deepEqual(later, { status: 'fulfilled', value: 3 }, 'a write queued after the refused one is not refused with it');
    assert.equal(huge.status, 'rejected');
    const err = (huge as PromiseRejectedResult).reason as Error;
    assert.ok(err instanceof StoreUnavailableError && /--max-txn-ops/.test(err.message), err.message);
    assert.deepEqual([...a!.current().services.keys()].sort(), ['later-1', 'small-1'], 'nothing of the large write applied');
    assert.equal(await a!.write([put(serviceInput('after-1'))]), 4, 'the store goes on');
  } finally {
    await closeAll([a!]);
  }
});

test('TTL updates are shared between replicas outside the state: the others hear them, the index does not move', async () => {
  const [a, b] = await replicas(2);
  try {
    const heard = firstValueFrom(b!.ttlHeartbeats.received$);
    const echoed: unknown[] = [];
    const sub = a!.ttlHeartbeats.received$.subscribe((h) => echoed.push(h));
    const before = b!.current();
    a!.ttlHeartbeats.publish({ checkId: 'service:web-1', status: 'passing', output: 'ok' });
    assert.deepEqual(await withTimeout(heard, 5000, 'the heartbeat on B'), { checkId: 'service:web-1', status: 'passing', output: 'ok' });
    assert.equal(b!.current(), before, 'no state change on B');
    assert.equal(await a!.write([put(serviceInput('web-1'))]), 2, 'the index did not move');
    await atIndex(b!, 2);
    assert.deepEqual(echoed, [], 'a replica does not hear its own updates');
    sub.unsubscribe();
  } finally {
    await closeAll([a!, b!]);
  }
});
