import { after, test } from 'node:test';
import { first, firstValueFrom } from 'rxjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '../../src/sources/store/memory-store.js';
import { openSqliteStore } from '../../src/sources/store/sqlite-store.js';
import { EMPTY_CATALOG_STATE, IndexKey, indexOf, type CatalogState } from '../../src/sources/store/catalog-state.js';
import type { StateStore } from '../../src/sources/store/state-store.js';
import { StoreConflictError, StoreUnavailableError } from '../../src/sources/store/store-errors.js';
import { createStoreCore } from '../../src/sources/store/store-core.js';
import { createSourceStatusRegistry } from '../../src/sources/source-status.js';
import { checkInput, configInput, put, putCheck, serviceInput } from './support/fixtures.js';
import { openEtcdStore } from '../../src/sources/store/etcd-store.js';
import { startEtcd, type EtcdServer } from '../support/etcd-server.js';

// The etcd store keeps the same semantics: one real etcd for this file, a fresh key prefix per store.
let etcd: Promise<EtcdServer> | undefined;
let etcdStores = 0;
after(async () => {
  if (etcd) await (await etcd).destroy();
});

const kinds: { name: string; open(): Promise<{ store: StateStore; cleanup(): void }> }[] = [
  { name: 'memory', open: async () => ({ store: createMemoryStore(), cleanup() {} }) },
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rxds-store-'));
      const store = await openSqliteStore(dir);
      return { store, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'etcd',
    open: async () => {
      const server = await (etcd ??= startEtcd());
      const store = await openEtcdStore({ endpoints: [server.endpoint], prefix: `/store-test-${++etcdStores}/` });
      return { store, cleanup() {} };
    },
  },
];

for (const kind of kinds) {
  test(`${kind.name}: the index starts at 1, grows by one per changing write, and records carry Create/ModifyIndex`, async () => {
    const { store, cleanup } = await kind.open();
    try {
      assert.equal(store.current().index, 1);
      const web = serviceInput('web-1');
      assert.equal(await store.write([put(web)]), 2);
      assert.equal(await store.write([put(web)]), 2, 'an identical write changes nothing');
      assert.equal(await store.write([put({ ...web, Port: 9090 })]), 3);
      const rec = store.current().services.get('web-1')!;
      assert.equal(rec.CreateIndex, 2);
      assert.equal(rec.ModifyIndex, 3);
      assert.equal(indexOf(store.current(), IndexKey.service('web')), 3);
      assert.equal(indexOf(store.current(), IndexKey.service('never-seen')), 1);
      assert.ok(Object.isFrozen(rec), 'records are frozen');
    } finally {
      await store.close();
      cleanup();
    }
  });

  test(`${kind.name}: a write is atomic: one failing op leaves index and content unchanged`, async () => {
    const { store, cleanup } = await kind.open();
    try {
      const web = serviceInput('web-1');
      await store.write([put(web), putCheck(checkInput('service:web-1', web))]);
      const before = store.current();
      await assert.rejects(
        store.write([
          put(serviceInput('api-1')),
          { type: 'check-status', checkId: 'nope', status: 'passing', output: '' },
        ]),
        (err: unknown) => err instanceof StoreConflictError && err.reason === 'not-found',
      );
      await assert.rejects(store.write([putCheck(checkInput('orphan', serviceInput('ghost')))]), StoreConflictError);
      await assert.rejects(
        store.write(() => {
          throw new Error('refused by the write function');
        }),
        /refused by the write function/,
      );
      assert.equal(store.current(), before);
    } finally {
      await store.close();
      cleanup();
    }
  });

  test(`${kind.name}: deleting a service removes its checks; check status updates; config CAS`, async () => {
    const { store, cleanup } = await kind.open();
    try {
      const web = serviceInput('web-1');
      await store.write([put(web), putCheck(checkInput('service:web-1', web))]);
      const i = await store.write([{ type: 'check-status', checkId: 'service:web-1', status: 'passing', output: 'ok' }]);
      assert.equal(store.current().checks.get('service:web-1')!.Status, 'passing');
      assert.equal(store.current().checks.get('service:web-1')!.ModifyIndex, i);
      await store.write([{ type: 'service-delete', id: 'web-1' }]);
      assert.equal(store.current().checks.size, 0);

      const created = await store.write([{ type: 'config-put', entry: configInput('service-defaults', 'web', { Protocol: 'http' }), cas: 0 }]);
      await assert.rejects(
        store.write([{ type: 'config-put', entry: configInput('service-defaults', 'web', { Protocol: 'grpc' }), cas: 0 }]),
        (err: unknown) => err instanceof StoreConflictError && err.reason === 'cas-mismatch',
      );
      await store.write([{ type: 'config-put', entry: configInput('service-defaults', 'web', { Protocol: 'grpc' }), cas: created }]);
      assert.equal(store.current().configEntries.get('service-defaults/web')!.Entry['Protocol'], 'grpc');
      await store.write([{ type: 'config-delete', kind: 'service-defaults', name: 'web' }]);
      assert.equal(store.current().configEntries.size, 0);
      assert.equal(indexOf(store.current(), IndexKey.configEntry('service-defaults', 'web')), store.current().index);
    } finally {
      await store.close();
      cleanup();
    }
  });

  test(`${kind.name}: state$ replays the current state and emits each change; a write from a subscriber comes after`, async () => {
    const { store, cleanup } = await kind.open();
    try {
      const seen: number[] = [];
      const sub = store.state$.subscribe((s: CatalogState) => {
        seen.push(s.index);
        if (s.index === 2) void store.write([put(serviceInput('reentrant-1'))]);
      });
      const late: number[] = [];
      const sub2 = store.state$.subscribe((s) => late.push(s.index));
      await store.write([put(serviceInput('web-1'))]);
      await firstValueFrom(store.state$.pipe(first((s) => s.index === 3)));
      assert.deepEqual(seen, [1, 2, 3]);
      assert.deepEqual(late, [1, 2, 3], 'every subscriber sees the states in order');
      sub.unsubscribe();
      sub2.unsubscribe();
    } finally {
      await store.close();
      cleanup();
    }
  });

  test(`${kind.name}: concurrent writes each get their own index; a refused one does not affect the others`, async () => {
    const { store, cleanup } = await kind.open();
    try {
      const results = await Promise.allSettled([
        store.write([put(serviceInput('a-1'))]),
        store.write(() => {
          throw new Error('refused');
        }),
        store.write((state) => [put(serviceInput('b-1', { Port: state.services.has('a-1') ? 1 : 0 }))]),
        store.write([put(serviceInput('c-1'))]),
      ]);
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
        [2, 'refused', 3, 4],
      );
      assert.equal(store.current().services.get('b-1')!.Port, 1, 'a write function sees the writes before it');
      assert.equal(store.current().services.get('c-1')!.ModifyIndex, 4);
    } finally {
      await store.close();
      cleanup();
    }
  });
}

test('sqlite: everything written is there after reopening, with the same indexes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-store-'));
  try {
    const status = createSourceStatusRegistry();
    const store = await openSqliteStore(dir, { sourceStatus: status });
    const web = serviceInput('web-1', { Meta: { version: 'v1' } });
    await store.write([put(web), putCheck(checkInput('service:web-1', web))]);
    await store.write([{ type: 'config-put', entry: configInput('service-defaults', 'web', { Protocol: 'http' }) }]);
    await store.write([put(serviceInput('gone-1')), put(serviceInput('api-1'))]);
    await store.write([{ type: 'service-delete', id: 'gone-1' }]);
    const before = store.current();
    assert.deepEqual(status.list(), [{ Name: 'store', State: 'ok', LastError: '', LastChangeIndex: before.index }]);
    await store.close();

    const again = await openSqliteStore(dir);
    const after = again.current();
    assert.equal(after.index, before.index);
    assert.deepEqual([...after.services.keys()].sort(), ['api-1', 'web-1']);
    assert.deepEqual(after.services.get('web-1'), before.services.get('web-1'));
    assert.deepEqual(after.checks.get('service:web-1'), before.checks.get('service:web-1'));
    assert.deepEqual(after.configEntries.get('service-defaults/web'), before.configEntries.get('service-defaults/web'));
    assert.deepEqual(after.indexes, before.indexes, 'per-slice indexes survive, deleted ones included');
    assert.equal(await again.write([put(serviceInput('new-1'))]), before.index + 1);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: a second process-level open of the same data dir is refused while the first is open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-store-'));
  try {
    const store = await openSqliteStore(dir);
    await assert.rejects(openSqliteStore(dir), /in use by another rxds process/);
    await store.write([put(serviceInput('web-1'))]);
    await store.close();
    const again = await openSqliteStore(dir);
    assert.ok(again.current().services.has('web-1'));
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write the store cannot persist is refused whole, and the state stays as it was', async () => {
  const errors: unknown[] = [];
  const store = createStoreCore(EMPTY_CATALOG_STATE, () => {
    throw new Error('disk full');
  }, { onPersistError: (err) => errors.push(err) });
  await assert.rejects(store.write([put(serviceInput('web-1'))]), (err: unknown) => err instanceof StoreUnavailableError && /disk full/.test(err.message));
  assert.equal(store.current().index, 1);
  assert.equal(store.current().services.size, 0);
  assert.equal(errors.length, 1);
  await store.close();
  await assert.rejects(store.write([put(serviceInput('web-1'))]), /closed/);
});
