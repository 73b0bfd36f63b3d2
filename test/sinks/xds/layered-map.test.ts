import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredMap, withChanges } from '../../../src/sinks/xds/layered-map.js';
import { internNames } from '../../../src/sinks/xds/name-sets.js';

test('a layered map behaves as an immutable map through many updates (checked against a plain Map)', () => {
  let layered: ReadonlyMap<string, number> = LayeredMap.of<number>();
  const plain = new Map<string, number>();
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 3000; i++) {
    const before = layered;
    const snapshotOfBefore = new Map(before);
    const changes: Array<[string, number | undefined]> = [];
    for (let k = rnd(4); k >= 0; k--) changes.push([`k${rnd(200)}`, rnd(3) === 0 ? undefined : i]);
    for (const [k, v] of changes) (v === undefined ? plain.delete(k) : plain.set(k, v));
    layered = withChanges(layered, changes);
    assert.deepEqual(new Map(before), snapshotOfBefore, 'the old version is unchanged');
    assert.equal(layered.size, plain.size);
    for (const [k, v] of plain) assert.equal(layered.get(k), v);
    assert.equal(layered.has('absent'), false);
  }
  assert.deepEqual(new Map(layered), plain);
});

test('a map that ends up equal to a candidate shares the candidate instead of a copy', () => {
  const snapshotMap = new Map([['a', 1], ['b', 2]]);
  const held = withChanges(new Map<string, number>(), [['a', 1], ['b', 2]], snapshotMap) as LayeredMap<number>;
  assert.equal((held as unknown as { base: unknown }).base, snapshotMap);
  const different = withChanges(new Map<string, number>(), [['a', 1], ['b', 3]], snapshotMap);
  assert.notEqual((different as unknown as { base: unknown }).base, snapshotMap);
  assert.equal(different.get('b'), 3);
});

test('equal subscriptions share one set', () => {
  const a = internNames(new Set(['x', 'y']));
  const b = internNames(new Set(['y', 'x']));
  assert.equal(a, b);
  assert.notEqual(internNames(new Set(['x'])), a);
});
