// The CA state kept as a system record of the state store (a real SQLite file in a temp dir), with
// real ECDSA roots: it survives a store close/reopen, bad content fails the CA's start readably, and
// two CAs sharing one store (replicas on one etcd) end up on one root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/sources/store/sqlite-store.js';
import type { StateStore } from '../../../src/sources/store/state-store.js';
import { startCertificateAuthority } from '../../../src/sources/ca/start-certificate-authority.js';
import { CA_STATE_KEY, CaStateChangedError, createStoreCaPersistence } from '../../../src/sources/ca/store-ca-persistence.js';
import { CaPersistenceError } from '../../../src/sources/ca/file-ca-persistence.js';
import { encodeCaState } from '../../../src/sources/ca/ca-state-codec.js';
import type { CaState } from '../../../src/sources/ca/ca-types.js';

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n';
/** A state the codec accepts (the PEMs are placeholders: only startCertificateAuthority parses them). */
function pemState(over: Partial<CaState> = {}): CaState {
  return {
    trustDomain: 'rxds.local',
    activeRootId: 'aa:01',
    leafTtlMs: 1000,
    roots: [{ id: 'aa:01', certPem: PEM_CERT, privateKeyPem: PEM_KEY, createdAt: 1, notBefore: 1, notAfter: 9 }],
    ...over,
  };
}

async function withStore(body: (dir: string, open: () => Promise<StateStore>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rxds-ca-store-'));
  const opened: StateStore[] = [];
  try {
    await body(dir, async () => {
      const store = await openSqliteStore(dir);
      opened.push(store);
      return store;
    });
  } finally {
    for (const s of opened) await s.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const stored = (store: StateStore) => store.current().system.get(CA_STATE_KEY)?.Value as { activeRootId: string; roots: { id: string; privateKeyPem: string }[] } | undefined;

test('the CA root survives closing and reopening the store: same root id and private key', () =>
  withStore(async (_dir, open) => {
    let store = await open();
    const first = await startCertificateAuthority({ trustDomain: 'rxds.local', persistence: createStoreCaPersistence(store) });
    const rootId = first.roots().activeRootId;
    await first.close();
    const saved = stored(store);
    assert.equal(saved?.activeRootId, rootId);
    assert.match(saved!.roots[0]!.privateKeyPem, /-----BEGIN PRIVATE KEY-----/);
    await store.close();

    store = await open();
    assert.deepEqual(stored(store), saved, 'the record read back from SQLite is the one written');
    const again = await startCertificateAuthority({ trustDomain: 'rxds.local', persistence: createStoreCaPersistence(store) });
    try {
      assert.equal(again.roots().activeRootId, rootId);
      assert.deepEqual(again.roots().roots.map((r) => r.id), [rootId]);
      // A rotation is saved to the store before the new root is used: after a reopen both roots are there.
      const rotated = await again.rotateRoot();
      await again.close();
      await store.close();
      store = await open();
      assert.equal(stored(store)?.activeRootId, rotated.activeRootId);
      assert.deepEqual(stored(store)?.roots.map((r) => r.id), [rootId, rotated.activeRootId]);
      assert.equal(stored(store)?.roots[0]!.privateKeyPem, saved!.roots[0]!.privateKeyPem);
    } finally {
      await again.close();
    }
  }));

test('bad content under the key makes startCertificateAuthority fail with an error naming the key and the field', () =>
  withStore(async (_dir, open) => {
    const store = await open();
    const good = JSON.parse(encodeCaState(pemState())) as Record<string, unknown>;
    const cases: [unknown, RegExp][] = [
      ['{"version": 1, "roots": [', /not JSON/],
      [{ ...good, version: 9 }, /version/],
      [{ ...good, roots: 'nope' }, /roots/],
      [{ ...good, activeRootId: 'cc:03' }, /activeRootId: cc:03 is not one of the roots/],
      [42, /expected object/i],
    ];
    for (const [value, pattern] of cases) {
      await store.write([{ type: 'system-put', key: CA_STATE_KEY, value }]);
      const err = await startCertificateAuthority({ trustDomain: 'rxds.local', persistence: createStoreCaPersistence(store) }).then(
        (ca) => (void ca.close(), undefined),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CaPersistenceError, `${JSON.stringify(value)} must be refused`);
      assert.match(err.message, /system record "connect-ca"/);
      assert.match(err.message, pattern);
    }
    assert.equal(typeof stored(store), 'number', 'the bad content is left as it was for the operator to see');
  }));

test('two CAs starting on one empty store (two replicas) end up on one root: the second save loses the check-and-set', () =>
  withStore(async (_dir, open) => {
    const store = await open();
    const [a, b] = await Promise.all([
      startCertificateAuthority({ trustDomain: 'rxds.local', persistence: createStoreCaPersistence(store) }),
      startCertificateAuthority({ trustDomain: 'rxds.local', persistence: createStoreCaPersistence(store) }),
    ]);
    try {
      assert.equal(a.roots().activeRootId, b.roots().activeRootId);
      assert.equal(stored(store)?.activeRootId, a.roots().activeRootId);
      assert.equal(stored(store)?.roots.length, 1);
    } finally {
      await a.close();
      await b.close();
    }
  }));

test('a save over state written by someone else since the last load is refused, and the store keeps theirs', () =>
  withStore(async (_dir, open) => {
    const store = await open();
    const mine = createStoreCaPersistence(store);
    const theirs = createStoreCaPersistence(store);
    const s1 = pemState();
    const s2 = pemState({ leafTtlMs: 2000 });
    assert.equal(await mine.load(), undefined);
    await mine.save(s1);
    await mine.save({ ...s1, leafTtlMs: 1500 }); // its own saves move its view along
    assert.equal((await theirs.load())?.leafTtlMs, 1500);
    await theirs.save(s2);
    await assert.rejects(mine.save({ ...s1, leafTtlMs: 3000 }), (e: unknown) => e instanceof CaStateChangedError && /changed by another writer/.test(e.message));
    assert.equal((await mine.load())?.leafTtlMs, 2000);
    await mine.save({ ...s1, leafTtlMs: 3000 }); // after reading theirs it may write again
    assert.equal((await theirs.load())?.leafTtlMs, 3000);
  }));

test('a custom key keeps a separate state', () =>
  withStore(async (_dir, open) => {
    const store = await open();
    const other = createStoreCaPersistence(store, 'other-ca');
    await other.save(pemState());
    assert.equal(other.key, 'other-ca');
    assert.equal(await createStoreCaPersistence(store).load(), undefined);
    assert.equal((await createStoreCaPersistence(store, 'other-ca').load())?.activeRootId, 'aa:01');
  }));
