// The etcd store's pure parts: key layout, folding key changes into the state, planning a Txn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_CATALOG_STATE } from '../../src/sources/store/catalog-state.js';
import { decodeMetaIndex, encodeMetaIndex, etcdKeys, prefixEnd } from '../../src/sources/store/etcd-keys.js';
import { foldChanges, type EtcdView, type KeyChange } from '../../src/sources/store/etcd-state.js';
import { planBatch } from '../../src/sources/store/etcd-batch.js';
import { put, serviceInput } from './support/fixtures.js';

const keys = etcdKeys('/rxds');

test('keys: one per record under the prefix, IDs may hold slashes; the range end covers exactly the prefix', () => {
  assert.equal(keys.prefix, '/rxds/');
  assert.equal(keys.record('configEntries', 'service-defaults/web'), '/rxds/configEntries/service-defaults/web');
  assert.deepEqual(keys.parse('/rxds/configEntries/service-defaults/web'), { kind: 'record', table: 'configEntries', key: 'service-defaults/web' });
  assert.deepEqual(keys.parse('/rxds/system/connect-ca'), { kind: 'record', table: 'system', key: 'connect-ca' });
  assert.deepEqual(keys.parse('/rxds/indexes/service/web'), { kind: 'index', key: 'service/web' });
  assert.deepEqual(keys.parse('/rxds/meta/index'), { kind: 'meta-index' });
  assert.deepEqual(keys.parse('/rxds/ttl/service:web-1'), { kind: 'ttl', checkId: 'service:web-1' });
  assert.deepEqual(keys.parse('/rxds/meta/schema'), { kind: 'other' });
  assert.deepEqual(keys.parse('/rxds/nope/x'), { kind: 'other' });
  assert.deepEqual(keys.parse('/rxdsx/services/a'), { kind: 'other' });
  assert.equal(prefixEnd(Buffer.from('/rxds/')).toString(), '/rxds0');
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
  assert.equal(decodeMetaIndex(encodeMetaIndex({ index: 7, writer: 'w' }))?.index, 7);
  assert.equal(decodeMetaIndex('{"index":0}'), undefined);
  assert.equal(decodeMetaIndex('garbage'), undefined);
});

const view0: EtcdView = { state: EMPTY_CATALOG_STATE, metaRevision: 0, revision: 10 };
const rec = (id: string, idx: number) => JSON.stringify({ ...serviceInput(id), CreateIndex: idx, ModifyIndex: idx });

test('fold: puts and deletes become the state; revisions already folded are skipped; the same view when nothing changes', () => {
  const bad: string[] = [];
  const onBad = (key: string) => bad.push(key);
  const changes: KeyChange[] = [
    { key: '/rxds/services/web-1', value: rec('web-1', 2), modRevision: 11 },
    { key: '/rxds/indexes/service/web', value: '2', modRevision: 11 },
    { key: '/rxds/meta/index', value: encodeMetaIndex({ index: 2, writer: 'a' }), modRevision: 11 },
  ];
  const v1 = foldChanges(view0, changes, keys, onBad);
  assert.equal(v1.state.index, 2);
  assert.equal(v1.state.services.get('web-1')?.CreateIndex, 2);
  assert.equal(v1.state.indexes.get('service/web'), 2);
  assert.deepEqual([v1.metaRevision, v1.revision], [11, 11]);
  assert.ok(Object.isFrozen(v1.state) && Object.isFrozen(v1.state.services.get('web-1')));
  assert.equal(v1.state.checks, EMPTY_CATALOG_STATE.checks, 'untouched maps are shared');
  assert.equal(foldChanges(v1, changes, keys, onBad), v1, 'an already folded revision changes nothing');

  const v2 = foldChanges(
    v1,
    [
      { key: '/rxds/services/web-1', value: undefined, modRevision: 12 },
      { key: '/rxds/services/broken', value: '{nope', modRevision: 12 },
      { key: '/rxds/meta/index', value: encodeMetaIndex({ index: 1, writer: 'b' }), modRevision: 12 },
    ],
    keys,
    onBad,
  );
  assert.equal(v2.state.services.size, 0);
  assert.deepEqual(bad, ['/rxds/services/broken']);
  assert.equal(v2.state.index, 2, 'the index never goes backwards');
  assert.equal(v2.metaRevision, 12);
});

test('plan: queued writes share one Txn up to the op limit, each with its own index; refusals stay in the batch; a no-op batch has no ops', () => {
  const writes = [
    [put(serviceInput('a-1'))], // services/a-1, indexes/services, indexes/service/a
    () => {
      throw new Error('refused');
    },
    [put(serviceInput('b-1'))], // + services/b-1, indexes/service/b
    [put(serviceInput('c-1'))],
  ];
  const plan = planBatch(EMPTY_CATALOG_STATE, writes, keys, 6, 'w1');
  assert.equal(plan.taken, 3, 'c-1 would take the Txn over 6 ops: it waits for the next one');
  assert.deepEqual(plan.outcomes.map((o) => (o.ok ? o.index : (o.err as Error).message)), [2, 'refused', 3]);
  assert.equal(plan.ops.length, 6);
  const metaPut = plan.ops.at(-1)!.request_put!;
  assert.equal(metaPut.key!.toString(), '/rxds/meta/index');
  assert.deepEqual(JSON.parse(metaPut.value!.toString()), { index: 3, writer: 'w1' });

  const single = planBatch(EMPTY_CATALOG_STATE, [writes[3]!], keys, 2, 'w2');
  assert.equal(single.taken, 1, 'a write alone is always tried, even over the limit (etcd then says why)');
  const noop = planBatch(plan.next, [[put(serviceInput('a-1'))]], keys, 128, 'w3');
  assert.deepEqual([noop.ops.length, noop.next === plan.next, noop.outcomes], [0, true, [{ ok: true, index: 3 }]]);
});
