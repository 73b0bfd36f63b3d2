import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOps } from '../../src/sources/store/apply-ops.js';
import { API_OWNER, EMPTY_CATALOG_STATE, type CatalogState, type ServiceInput, type WriteOp } from '../../src/sources/store/catalog-state.js';
import { PersistentMap } from '../../src/sources/store/persistent-map.js';
import { carrySorted, sortedValues } from '../../src/sources/store/sorted-values.js';

const svc = (id: string, port: number): ServiceInput => ({
  ID: id, Service: 'web', Kind: '', Tags: [], Meta: {}, Address: '', Port: port, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Owner: API_OWNER,
});

test('sortedValues: values sorted by key in code-unit order, the same array for the same map', () => {
  const m = PersistentMap.from<number>([['b', 2], ['a', 1], ['B', 0], ['ab', 3]]);
  const list = sortedValues(m);
  assert.deepEqual(list, [0, 1, 3, 2]);
  assert.equal(sortedValues(m), list);
});

/** A deterministic pseudo-random sequence in [0, 1). */
function lcg(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** One random write: usually 1-3 puts or deletes among `ids` services, with `bigChance` a batch of `bigSize`. */
function randomOps(r: () => number, step: number, bigChance: number, bigSize: number, ids: number): WriteOp[] {
  const ops: WriteOp[] = [];
  const n = r() < bigChance ? bigSize : 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const id = `s${Math.floor(r() * ids)}`;
    ops.push(r() < 0.7 ? { type: 'service-put', service: svc(id, step) } : { type: 'service-delete', id });
  }
  return ops;
}

/** `list` is the state's services sorted in full, holding the stored records themselves. */
function assertFullSort(list: readonly unknown[], state: CatalogState, label: string): void {
  const expected = [...state.services].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  assert.deepEqual(list, expected, label);
  for (let i = 0; i < list.length; i++) assert.equal(list[i], expected[i], 'the stored records themselves');
}

test('the sorted list carried by applyOps write after write equals a full sort (puts, updates, deletes, batches)', () => {
  const r = lcg(11);
  let state: CatalogState = EMPTY_CATALOG_STATE;
  sortedValues(state.services);
  let carried = 0;
  for (let step = 0; step < 300; step++) {
    const ops = randomOps(r, step, 0.1, 80, 200); // sometimes more changes than are carried
    const prev = state;
    state = applyOps(state, ops).state;
    if (state.services !== prev.services && ops.length <= 64) carried++;
    assertFullSort(sortedValues(state.services), state, `step ${step}`);
  }
  assert.ok(carried > 100, `carried ${carried} times`);
});

test('carrySorted: nothing is carried from a map whose list was never asked for', () => {
  const a = PersistentMap.from<number>([['x', 1]]);
  const b = a.with('y', 2);
  carrySorted(a, b, ['y']);
  const c = b.with('z', 3);
  assert.deepEqual(sortedValues(b), [1, 2]);
  carrySorted(b, c, ['z']);
  assert.deepEqual(sortedValues(c), [1, 2, 3]);
});

test('a list read only now and then (changes piling up unread between reads) still equals a full sort', () => {
  const r = lcg(7);
  let state: CatalogState = EMPTY_CATALOG_STATE;
  sortedValues(state.services);
  let reads = 0;
  for (let step = 0; step < 400; step++) {
    state = applyOps(state, randomOps(r, step, 0.05, 70, 300)).state;
    if (r() < 0.85) continue; // most versions are never listed
    reads++;
    const list = sortedValues(state.services);
    assertFullSort(list, state, `step ${step}`);
    assert.equal(sortedValues(state.services), list, 'built once per version');
  }
  assert.ok(reads > 30, `read ${reads} times`);
});
