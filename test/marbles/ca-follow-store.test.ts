// Replica B's CA follows the CA state other replicas save in the shared store (a memory store here, with
// the store persistence B uses in production): a rotation made elsewhere reaches B's roots$ and re-issues
// B's leaves from the new root within the jitter window; B's next save builds on it; a bad record is
// ignored; B's own saves are not taken for someone else's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { CertificateAuthority } from '../../src/sources/ca/certificate-authority.js';
import type { CaRootRecord, CaState } from '../../src/sources/ca/ca-types.js';
import { encodeCaState } from '../../src/sources/ca/ca-state-codec.js';
import { CA_STATE_KEY, createStoreCaPersistence, type StoreCaPersistence } from '../../src/sources/ca/store-ca-persistence.js';
import { createMemoryStore } from '../../src/sources/store/memory-store.js';
import type { StateStore } from '../../src/sources/store/state-store.js';
import type { Logger } from '../../src/core/logger.js';
import { bundle, createFakeIssuer, fakeLeaf, pemRoot, TRUST_DOMAIN, type FakeIssuer } from '../sources/ca/fake-issuer.js';

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

const AA = pemRoot('aa');
const BB = pemRoot('bb');
const state = (active: string, roots: CaRootRecord[], trustDomain = TRUST_DOMAIN): CaState => ({ trustDomain, activeRootId: active, roots, leafTtlMs: 1000 });

interface Line {
  readonly level: string;
  readonly msg: string | undefined;
  readonly obj: Record<string, unknown>;
}
function captureLogger(lines: Line[] = []): Logger & { readonly lines: Line[] } {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, obj: obj as Record<string, unknown> });
  const logger: Logger & { lines: Line[] } = { lines, debug: () => {}, info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

interface Replica {
  readonly store: StateStore;
  readonly persistence: StoreCaPersistence;
  readonly logger: ReturnType<typeof captureLogger>;
  readonly issuer: FakeIssuer;
  readonly initial: CaState;
}

/** A store holding `initial` (as the replicas' first start left it) and B's persistence, loaded. */
async function replicaB(initial: CaState = state('aa', [AA])): Promise<Replica> {
  const store = createMemoryStore();
  await store.write([{ type: 'system-put', key: CA_STATE_KEY, value: JSON.parse(encodeCaState(initial)) }]);
  const logger = captureLogger();
  const persistence = createStoreCaPersistence(store, CA_STATE_KEY, { logger });
  const loaded = await persistence.load();
  assert.ok(loaded);
  return { store, persistence, logger, issuer: createFakeIssuer(), initial: loaded };
}

function startB(ts: TestScheduler, r: Replica): CertificateAuthority {
  return new CertificateAuthority({
    // Not `restored`: no leaf signed before this start is in use, so every leaf in play is one B tracks.
    state: r.initial,
    issuer: r.issuer,
    persistence: r.persistence,
    logger: r.logger,
    scheduler: ts,
    random: () => 0.5,
    leafTtlMs: 1000,
    graceMs: 100,
    rotationSpreadMs: 200,
  });
}

/** What another replica does: a check-and-set write of its state over the record it last saw. */
function otherReplicaSaves(store: StateStore, next: unknown): void {
  const cas = store.current().system.get(CA_STATE_KEY)!.ModifyIndex;
  void store.write([{ type: 'system-put', key: CA_STATE_KEY, value: typeof next === 'object' && next && 'roots' in next ? JSON.parse(encodeCaState(next as CaState)) : next, cas }]);
}

const storedState = (store: StateStore) => store.current().system.get(CA_STATE_KEY)!.Value as { activeRootId: string; roots: { id: string; leavesValidUntil?: number }[] };
const follows = (r: Replica) => r.logger.lines.filter((l) => l.msg === 'CA state changed by another replica: following it').length;

test("B adopts A's rotation: roots$ has both roots, B's leaf is re-issued by the new root within the jitter window, and B's next save succeeds", async () => {
  const ts = scheduler();
  const r = await replicaB();
  let b!: CertificateAuthority;
  ts.run(({ expectObservable }) => {
    b = startB(ts, r);
    // A rotated at 100; its old root stays while A's leaves from it may be valid (until 1000).
    ts.schedule(() => otherReplicaSaves(r.store, state('bb', [pemRoot('aa', 1000), BB])), 100);
    // B's leaf from aa (issued at 0) is re-issued by bb at 100 + 0.5 x 200 = 200, then renewed at 200 + 750.
    expectObservable(b.leaf$('web'), '^ 1100ms !').toBe('a 199ms b 749ms c', {
      a: fakeLeaf('web', 1, 'aa', 0, 1000),
      b: fakeLeaf('web', 2, 'bb', 200, 1000),
      c: fakeLeaf('web', 3, 'bb', 950, 1000),
    });
    // aa stays in B's bundle until A's leaves from it may have expired (1000), then leaves.
    expectObservable(b.roots$, '^ 1100ms !').toBe('a 99ms b 899ms c', {
      a: bundle('aa', AA),
      b: bundle('bb', pemRoot('aa', 1000), BB),
      c: bundle('bb', BB),
    });
  });
  // Pruning aa at 1000 changed B's state: saved over A's record (no CaStateChangedError), not re-adopted.
  await b.flush();
  assert.deepEqual(storedState(r.store).roots.map((x) => x.id), ['bb']);
  assert.equal(storedState(r.store).activeRootId, 'bb');
  assert.equal(follows(r), 1, 'only the foreign state was followed, not B\'s own save');
  assert.deepEqual(r.logger.lines.filter((l) => l.level === 'error' || l.level === 'warn'), []);
  await b.close();
});

test('a leaf B signed with a root the other replica dropped keeps that root in B\'s bundle until B renews it', async () => {
  const ts = scheduler();
  const r = await replicaB();
  let b!: CertificateAuthority;
  ts.run(({ expectObservable }) => {
    b = startB(ts, r);
    // The other replica rotated and already dropped aa (none of its leaves use it), but B's leaf from aa
    // is valid until 1000: aa stays in B's bundle until B's leaf is renewed by bb (at 200).
    ts.schedule(() => otherReplicaSaves(r.store, state('bb', [BB])), 100);
    expectObservable(b.leaf$('web'), '^ 300ms !').toBe('a 199ms b', { a: fakeLeaf('web', 1, 'aa', 0, 1000), b: fakeLeaf('web', 2, 'bb', 200, 1000) });
    expectObservable(b.roots$, '^ 300ms !').toBe('a 99ms b 99ms c', { a: bundle('aa', AA), b: bundle('bb', pemRoot('aa', 1000), BB), c: bundle('bb', BB) });
  });
  await b.flush();
  assert.deepEqual(storedState(r.store).roots.map((x) => x.id), ['bb']);
  assert.equal(follows(r), 1);
  await b.close();
});

test('a record that does not decode is logged and ignored (B keeps its state and leaves); the next good one is followed', async () => {
  const ts = scheduler();
  const r = await replicaB();
  let b!: CertificateAuthority;
  ts.run(({ expectObservable }) => {
    b = startB(ts, r);
    ts.schedule(() => otherReplicaSaves(r.store, { version: 1, roots: 'nope' }), 100);
    ts.schedule(() => otherReplicaSaves(r.store, state('bb', [pemRoot('aa', 1000), BB])), 400);
    expectObservable(b.leaf$('web'), '^ 600ms !').toBe('a 499ms b', { a: fakeLeaf('web', 1, 'aa', 0, 1000), b: fakeLeaf('web', 2, 'bb', 500, 1000) });
    expectObservable(b.roots$, '^ 600ms !').toBe('a 399ms b', { a: bundle('aa', AA), b: bundle('bb', pemRoot('aa', 1000), BB) });
  });
  const bad = r.logger.lines.filter((l) => l.level === 'error');
  assert.equal(bad.length, 1);
  assert.match(bad[0]!.msg!, /ignoring an invalid CA state/);
  assert.match(String(bad[0]!.obj.error), /trustDomain: is required/);
  assert.equal(follows(r), 1);
  await b.close();
});

test('a state with another trust domain is followed with a warning naming both; new leaves carry it', async () => {
  const ts = scheduler();
  const r = await replicaB();
  let b!: CertificateAuthority;
  ts.run(({ expectObservable }) => {
    b = startB(ts, r);
    ts.schedule(() => otherReplicaSaves(r.store, state('bb', [pemRoot('aa', 1000), BB], 'other.test')), 100);
    expectObservable(b.roots$, '^ 300ms !').toBe('a 99ms b', {
      a: bundle('aa', AA),
      b: { ...bundle('bb', pemRoot('aa', 1000), BB), trustDomain: 'other.test' },
    });
    expectObservable(b.leaf$('web'), '^ 300ms !').toBe('a 199ms b', { a: fakeLeaf('web', 1, 'aa', 0, 1000), b: fakeLeaf('web', 2, 'bb', 200, 1000) });
  });
  assert.deepEqual(r.issuer.requests.map((q) => [q.root.id, q.trustDomain, q.serviceUri]), [
    ['aa', TRUST_DOMAIN, `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/web`],
    ['bb', 'other.test', 'spiffe://other.test/ns/default/dc/dc1/svc/web'],
  ]);
  const warned = r.logger.lines.filter((l) => l.level === 'warn');
  assert.equal(warned.length, 1);
  assert.deepEqual(warned[0]!.obj, { configured: TRUST_DOMAIN, store: 'other.test' });
  assert.match(warned[0]!.msg!, /other\.test.*rxds\.test.*following the store/);
  assert.equal(b.trustDomain, 'other.test');
  await b.close();
});

test("B's own rotation echoing back through the store is not followed: one roots$ emission per change, nothing re-issued twice", async () => {
  const ts = scheduler();
  const r = await replicaB();
  let b!: CertificateAuthority;
  const seen: string[] = [];
  ts.run(({ expectObservable }) => {
    b = startB(ts, r);
    b.roots$.subscribe((x) => seen.push(x.roots.map((y) => y.id).join(',')));
    ts.schedule(() => b.activateRoot(BB), 100);
    expectObservable(b.leaf$('web'), '^ 300ms !').toBe('a 199ms b', { a: fakeLeaf('web', 1, 'aa', 0, 1000), b: fakeLeaf('web', 2, 'bb', 200, 1000) });
  });
  // The saves run once virtual time is over (they are Promises): the store then gets B's state, and the
  // echo of that write through state$ must change nothing.
  await b.flush();
  assert.equal(storedState(r.store).activeRootId, 'bb');
  assert.equal(follows(r), 0);
  assert.deepEqual(seen, ['aa', 'aa,bb', 'bb']);
  assert.equal(r.issuer.requests.length, 2);
  await b.close();
});
