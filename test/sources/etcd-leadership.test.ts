import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BehaviorSubject, combineLatest, type Observable, type Subscription } from 'rxjs';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../src/sources/store/etcd-client.js';
import { etcdLeadership } from '../../src/sources/store/etcd-leadership.js';
import { openEtcdStore } from '../../src/sources/store/etcd-store.js';
import { etcdForThisFile } from '../support/etcd-fixture.js';
import { waitFor } from '../support/wait.js';

const etcd = etcdForThisFile();
let keys = 0;

/**
 * Several replicas campaigning for one key, each with its own client. `leaders$` is who leads now (by
 * name); `overlaps` lists every moment two said true at once (must stay empty: never two leaders).
 */
function campaign(names: readonly string[], ttlSeconds: number) {
  const key = `/leadership-test/${++keys}`;
  const leading = new Map<string, boolean>();
  const leaders$ = new BehaviorSubject<readonly string[]>([]);
  const overlaps: string[] = [];
  const clients = new Map<string, Etcd3>();
  const subs = new Map<string, Subscription>();
  const join = (name: string) => {
    const client = createEtcdClient({ endpoints: [etcd().endpoint], requestTimeoutMs: 500 });
    clients.set(name, client);
    const lead$: Observable<boolean> = etcdLeadership(client, key, { replicaId: name, ttlSeconds });
    subs.set(
      name,
      lead$.subscribe((v) => {
        leading.set(name, v);
        const now = [...leading].filter(([, l]) => l).map(([n]) => n);
        if (now.length > 1) overlaps.push(now.join('+'));
        leaders$.next(now);
      }),
    );
  };
  for (const n of names) join(n);
  return {
    key,
    leaders$,
    overlaps,
    clients,
    join,
    /** Unsubscribes (resigns) without closing the client. */
    leave(name: string) {
      subs.get(name)?.unsubscribe();
      leading.set(name, false);
      leaders$.next([...leading].filter(([, l]) => l).map(([n]) => n));
    },
    /** Waits for exactly one leader (optionally one of `among`); returns its name. */
    async oneLeader(what: string, ms = 5000, among?: readonly string[]) {
      const [l] = await waitFor(leaders$, (ls) => ls.length === 1 && (!among || among.includes(ls[0]!)), what, ms);
      return l!;
    },
    close() {
      for (const s of subs.values()) s.unsubscribe();
      for (const c of clients.values()) c.close();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('two replicas: exactly one leads, and the other stays standby while it does', async () => {
  const c = campaign(['a', 'b'], 2);
  try {
    const leader = await c.oneLeader('a leader');
    // Standby replicas retry every third of the TTL: over two TTLs the other has tried several times.
    await sleep(1500);
    assert.deepEqual(c.leaders$.value, [leader]);
    assert.deepEqual(c.overlaps, []);
    const holder = await c.clients.get(leader)!.get(c.key).string();
    assert.equal(holder, leader, 'the key names the leader');
  } finally {
    c.close();
  }
});

test('the leader resigns (unsubscribes): the other takes over at once, not after the lease TTL', async () => {
  const c = campaign(['a', 'b'], 5);
  try {
    const leader = await c.oneLeader('a leader');
    const other = leader === 'a' ? 'b' : 'a';
    const t0 = Date.now();
    c.leave(leader);
    await c.oneLeader(`${other} to lead after the resignation`, 2500, [other]);
    assert.ok(Date.now() - t0 < 2500, 'well before the 5 s TTL');
    assert.deepEqual(c.overlaps, []);
  } finally {
    c.close();
  }
});

test('the leader\'s client is cut without resigning: it stops leading, then the other takes over within the TTL', async () => {
  const c = campaign(['a', 'b'], 1);
  try {
    const leader = await c.oneLeader('a leader');
    const other = leader === 'a' ? 'b' : 'a';
    const order: string[] = [];
    const sub = c.leaders$.subscribe((ls) => order.push(ls.join(',') || '-'));
    c.clients.get(leader)!.close(); // no revoke: etcd must expire the lease
    await c.oneLeader(`${other} to take over`, 4000, [other]);
    sub.unsubscribe();
    assert.deepEqual(c.overlaps, [], 'never two leaders');
    assert.ok(order.includes('-'), `the cut leader stepped down before the other took over: ${order.join(' → ')}`);
  } finally {
    c.close();
  }
});

test('etcd restarts (down longer than the TTL): leaders step down meanwhile, and one leads afterwards', async () => {
  const c = campaign(['a', 'b', 'c'], 1);
  try {
    await c.oneLeader('a leader');
    await etcd().stop();
    await waitFor(c.leaders$, (ls) => ls.length === 0, 'the leader to step down while etcd is down', 3000);
    await etcd().start();
    const leader = await c.oneLeader('a leader after the restart', 8000);
    await sleep(1200);
    assert.deepEqual(c.leaders$.value, [leader]);
    assert.deepEqual(c.overlaps, [], 'at most one leader at any time');
  } finally {
    c.close();
  }
});

test('a brief etcd restart keeps the leader; never two', async () => {
  const c = campaign(['a', 'b'], 3);
  try {
    const leader = await c.oneLeader('a leader');
    await etcd().stop();
    await etcd().start();
    await sleep(1500);
    assert.deepEqual(c.leaders$.value, [leader]);
    assert.deepEqual(c.overlaps, []);
  } finally {
    c.close();
  }
});

test('the store\'s leadership: one of two stores leads; closing it resigns and the other takes over', async () => {
  const prefix = `/leadership-store-test-${++keys}/`;
  const a = await openEtcdStore({ endpoints: [etcd().endpoint], prefix, leaderTtlSeconds: 5 });
  const b = await openEtcdStore({ endpoints: [etcd().endpoint], prefix, leaderTtlSeconds: 5 });
  const la = new BehaviorSubject(false);
  const lb = new BehaviorSubject(false);
  const sa = a.leadership('health').subscribe(la);
  const sb = b.leadership('health').subscribe(lb);
  try {
    await waitFor(combineLatest([la, lb]), ([x, y]) => x || y, 'one store to lead');
    const [leader, lead, follower, follow] = la.value ? [a, sa, b, lb] : [b, sb, a, la];
    assert.equal(follow.value, false);
    assert.ok(follower !== leader);
    lead.unsubscribe();
    await leader.close(); // waits for the resignation
    await waitFor(follow, (v) => v, 'the other store to lead after the first closed', 2500);
  } finally {
    sa.unsubscribe();
    sb.unsubscribe();
    await a.close();
    await b.close();
  }
});
