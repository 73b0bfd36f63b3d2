// System records: rxds-internal JSON values kept in the store (e.g. the CA state), with the same
// atomicity, check-and-set and durability as the catalog records, and their own per-key index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { applyOps } from '../../src/sources/store/apply-ops.js';
import { EMPTY_CATALOG_STATE, IndexKey, indexOf, STORE_TABLES, type WriteOp } from '../../src/sources/store/catalog-state.js';
import { openSqliteStore } from '../../src/sources/store/sqlite-store.js';
import { StoreConflictError } from '../../src/sources/store/store-errors.js';
import { put, serviceInput } from './support/fixtures.js';

const sysPut = (key: string, value: unknown, cas?: number): WriteOp => ({ type: 'system-put', key, value, ...(cas === undefined ? {} : { cas }) });
const conflict = (reason: StoreConflictError['reason'], pattern: RegExp) => (err: unknown) =>
  err instanceof StoreConflictError && err.reason === reason && pattern.test(err.message);

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxds-store-system-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('STORE_TABLES lists every record map of the state', () => {
  const maps = Object.entries(EMPTY_CATALOG_STATE).filter(([k, v]) => typeof (v as Partial<ReadonlyMap<string, unknown>> | null)?.get === 'function' && k !== 'indexes').map(([k]) => k);
  assert.deepEqual([...STORE_TABLES].sort(), maps.sort());
});

test('applyOps system-put: stores a frozen JSON value with Create/ModifyIndex and touches only its own index', () => {
  const { state, touched } = applyOps(EMPTY_CATALOG_STATE, [sysPut('connect-ca', { roots: [{ id: 'a' }] })]);
  assert.equal(state.index, 2);
  assert.deepEqual(state.system.get('connect-ca'), { Key: 'connect-ca', Value: { roots: [{ id: 'a' }] }, CreateIndex: 2, ModifyIndex: 2 });
  assert.ok(Object.isFrozen((state.system.get('connect-ca')!.Value as { roots: object[] }).roots[0]), 'the value is frozen deep');
  assert.deepEqual([...touched.system], ['connect-ca']);
  assert.deepEqual([...touched.indexes], [IndexKey.system('connect-ca')]);
  assert.equal(indexOf(state, 'system/connect-ca'), 2);
  assert.equal(indexOf(state, IndexKey.services), 1, 'the catalog slices do not move');
  assert.equal(state.services, EMPTY_CATALOG_STATE.services, 'untouched maps are shared');

  const same = applyOps(state, [sysPut('connect-ca', { roots: [{ id: 'a' }] })]);
  assert.equal(same.state, state, 'an identical value changes nothing');

  const changed = applyOps(state, [sysPut('connect-ca', { roots: [{ id: 'b' }] })]).state;
  assert.equal(changed.system.get('connect-ca')!.CreateIndex, 2);
  assert.equal(changed.system.get('connect-ca')!.ModifyIndex, 3);
});

test('applyOps system-put/delete check-and-set: 0 = only if absent, N = only at ModifyIndex N', () => {
  const created = applyOps(EMPTY_CATALOG_STATE, [sysPut('k', 1, 0)]).state;
  assert.equal(created.system.get('k')!.Value, 1);
  assert.throws(() => applyOps(created, [sysPut('k', 2, 0)]), conflict('cas-mismatch', /system record "k": index 0, current 2/));
  assert.throws(() => applyOps(created, [sysPut('k', 2, 5)]), conflict('cas-mismatch', /index 5, current 2/));
  const updated = applyOps(created, [sysPut('k', 2, 2)]).state;
  assert.equal(updated.system.get('k')!.ModifyIndex, 3);

  assert.throws(() => applyOps(updated, [{ type: 'system-delete', key: 'k', cas: 2 }]), conflict('cas-mismatch', /current 3/));
  const deleted = applyOps(updated, [{ type: 'system-delete', key: 'k', cas: 3 }]);
  assert.equal(deleted.state.system.has('k'), false);
  assert.equal(indexOf(deleted.state, IndexKey.system('k')), 4, 'a deleted key keeps its index');
  assert.deepEqual([...deleted.touched.system], ['k']);
  assert.equal(applyOps(deleted.state, [{ type: 'system-delete', key: 'k' }]).state, deleted.state, 'deleting an absent key changes nothing');
});

test('applyOps system-put refuses values that are not JSON and empty keys, whole', () => {
  const base = applyOps(EMPTY_CATALOG_STATE, [put(serviceInput('web-1'))]).state;
  const bad: [unknown, RegExp][] = [
    [undefined, /value is not JSON \(undefined\)/],
    [{ a: [1, Number.NaN] }, /value\.a\[1\] is not a finite number/],
    [{ when: new Date(0) }, /value\.when is not a plain JSON object/],
    [{ f: () => 1 }, /value\.f is not JSON \(function\)/],
    [10n, /not JSON \(bigint\)/],
  ];
  for (const [value, pattern] of bad) {
    assert.throws(() => applyOps(base, [put(serviceInput('api-1')), sysPut('k', value)]), conflict('invalid', pattern));
  }
  assert.throws(() => applyOps(base, [sysPut('', 1)]), conflict('invalid', /non-empty key/));
  assert.equal(base.services.has('api-1'), false);
});

test('sqlite: system records survive reopening, including ones written in the same group commit', withDir(async (dir) => {
  const store = await openSqliteStore(dir);
  // Same event-loop turn: one SQLite transaction for all three writes (store-core merges what each touched).
  const writes = [store.write([sysPut('a', { n: 1 })]), store.write([sysPut('b', 'text')]), store.write([put(serviceInput('web-1'))])];
  await Promise.all(writes);
  await store.write([{ type: 'system-delete', key: 'b' }]);
  const before = store.current();
  await store.close();

  const again = await openSqliteStore(dir);
  try {
    const after = again.current();
    assert.equal(after.index, before.index);
    assert.deepEqual(after.system, before.system);
    assert.deepEqual([...after.system.keys()], ['a']);
    assert.equal(indexOf(after, IndexKey.system('b')), indexOf(before, IndexKey.system('b')));
    assert.ok(after.services.has('web-1'));
  } finally {
    await again.close();
  }
}));

test('sqlite: a data dir written before system records existed opens unchanged and accepts them', withDir(async (dir) => {
  // The layout of a schema-1 database as earlier rxds versions wrote it: no `system` rows.
  const path = join(dir, 'rxds.db');
  const old = new Database(path);
  old.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE records (tbl TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID;
    CREATE TABLE indexes (key TEXT PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO meta VALUES ('schema', 1), ('index', 7);
    INSERT INTO indexes VALUES ('services', 7), ('service/web', 7);
  `);
  const web = { ...serviceInput('web-1'), CreateIndex: 7, ModifyIndex: 7 };
  old.prepare(`INSERT INTO records VALUES ('services', 'web-1', ?)`).run(JSON.stringify(web));
  old.close();

  const store = await openSqliteStore(dir);
  try {
    assert.equal(store.current().index, 7);
    assert.deepEqual(store.current().services.get('web-1'), web);
    assert.equal(store.current().system.size, 0);
    assert.equal(await store.write([sysPut('connect-ca', { v: 1 }, 0)]), 8);
    assert.equal(store.current().system.get('connect-ca')!.CreateIndex, 8);
  } finally {
    await store.close();
  }
}));

test('sqlite: a record whose stored body is not JSON makes opening fail with a message naming it', withDir(async (dir) => {
  const store = await openSqliteStore(dir);
  await store.write([sysPut('connect-ca', { v: 1 })]);
  await store.close();
  const db = new Database(join(dir, 'rxds.db'));
  db.prepare(`UPDATE records SET body = '{"Key": "connect-ca", "Val' WHERE tbl = 'system'`).run();
  db.close();
  await assert.rejects(openSqliteStore(dir), /rxds\.db: the system record "connect-ca" is not JSON/);
  // The failed open released the file: fixing the row makes it open again.
  const fix = new Database(join(dir, 'rxds.db'));
  fix.prepare(`DELETE FROM records WHERE tbl = 'system'`).run();
  fix.close();
  const again = await openSqliteStore(dir);
  assert.equal(again.current().system.size, 0);
  await again.close();
}));

test('sqlite: the database holding the keys is private (mode 0600), and an existing readable one is tightened', withDir(async (dir) => {
  const store = await openSqliteStore(dir);
  await store.write([sysPut('k', 1)]);
  const mode = (f: string) => statSync(join(dir, f)).mode & 0o777;
  assert.equal(mode('rxds.db'), 0o600);
  assert.equal(mode('rxds.db-wal'), 0o600, 'SQLite gives the WAL the database file mode');
  await store.close();

  chmodSync(join(dir, 'rxds.db'), 0o644);
  const again = await openSqliteStore(dir);
  assert.equal(mode('rxds.db'), 0o600);
  await again.close();
}));
