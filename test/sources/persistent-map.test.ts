import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { freeze } from 'immer';
import { asPersistent, PersistentMap } from '../../src/sources/store/persistent-map.js';

test('PersistentMap: with/without make new versions and leave every older version as it was', () => {
  const v0 = PersistentMap.empty<number>();
  const v1 = v0.with('a', 1);
  const v2 = v1.with('b', 2);
  const v3 = v2.without('a');
  assert.equal(v0.size, 0);
  assert.deepEqual([...v1], [['a', 1]]);
  assert.deepEqual([...v2], [['a', 1], ['b', 2]]);
  assert.deepEqual([...v3], [['b', 2]]);
  assert.equal(v2.get('a'), 1);
  assert.equal(v3.get('a'), undefined);
  assert.equal(v3.has('a'), false);
  assert.equal(v3.has('b'), true);
  assert.equal(v2.without('zzz'), v2, 'removing an absent key returns the same map');
  const value = { x: 1 };
  const objects = PersistentMap.empty<{ x: number }>().with('c', value);
  assert.equal(objects.with('c', value), objects, 'setting the very same value returns the same map');
  assert.notEqual(objects.with('c', { x: 1 }), objects, 'an equal but other value is a change');
});

test('PersistentMap: implements ReadonlyMap (keys, values, entries, forEach, iterator) in insertion order', () => {
  const m = PersistentMap.from<number>([['z', 1], ['a', 2], ['m', 3]]);
  assert.deepEqual([...m.keys()], ['z', 'a', 'm']);
  assert.deepEqual([...m.values()], [1, 2, 3]);
  assert.deepEqual([...m.entries()], [['z', 1], ['a', 2], ['m', 3]]);
  const seen: [string, number][] = [];
  m.forEach(function (this: unknown, v, k, map) {
    assert.equal(map, m);
    assert.equal(this, 'ctx');
    seen.push([k, v]);
  }, 'ctx');
  assert.deepEqual(seen, [['z', 1], ['a', 2], ['m', 3]]);
  assert.deepEqual([...m.with('a', 9)], [['z', 1], ['a', 9], ['m', 3]], 'an updated key keeps its place');
  assert.deepEqual([...m.without('z').with('z', 1)], [['a', 2], ['m', 3], ['z', 1]], 're-added goes last');
  assert.deepEqual(new Map(m), new Map([['z', 1], ['a', 2], ['m', 3]]));
  assert.equal(Object.prototype.toString.call(m), '[object PersistentMap]');
  assert.match(inspect(m), /PersistentMap\(3\) \{ 'z' => 1, 'a' => 2, 'm' => 3 \}/);
});

test('PersistentMap.edit: changes many keys at once without touching the base; done() is the base if nothing changed', () => {
  const base = PersistentMap.from<number>(Array.from({ length: 100 }, (_, i) => [`k${i}`, i] as const));
  const e = base.edit();
  e.set('k1', -1);
  e.delete('k2');
  e.delete('absent');
  e.set('new', 100);
  assert.equal(e.get('k1'), -1, 'the editor reads its own changes');
  assert.equal(e.has('k2'), false);
  assert.equal(e.size, 100);
  assert.equal(base.get('k1'), 1, 'the base does not see them');
  assert.equal(base.has('k2'), true);
  const next = e.done();
  assert.equal(next.size, 100);
  assert.equal(next.get('k1'), -1);
  assert.equal(next.get('new'), 100);
  assert.equal(base.size, 100);
  assert.equal(base.get('k1'), 1);
  assert.equal(base.edit().done(), base);
  const onlyAbsent = base.edit();
  onlyAbsent.delete('absent');
  assert.equal(onlyAbsent.done(), base);
});

test('PersistentMap: a later edit of a new version never changes an older one', () => {
  const a = PersistentMap.from<number>(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i] as const));
  const b = a.with('k5', 50);
  const e = b.edit();
  for (let i = 0; i < 2000; i += 3) e.set(`k${i}`, -i);
  const c = e.done();
  assert.equal(a.get('k5'), 5);
  assert.equal(b.get('k5'), 50);
  assert.equal(b.get('k3'), 3);
  assert.equal(c.get('k3'), -3);
  assert.equal([...a.values()].reduce((s, v) => s + v, 0), (1999 * 2000) / 2);
});

test('PersistentMap: frozen wrapper that immer deep freeze leaves alone (and that still works after it)', () => {
  const m = PersistentMap.empty<{ n: number }>().with('a', { n: 1 });
  assert.ok(Object.isFrozen(m));
  assert.throws(() => {
    (m as unknown as { size: number }).size = 3;
  });
  const state = freeze({ services: m }, true);
  assert.ok(Object.isFrozen(state));
  assert.equal(state.services, m);
  assert.equal(Object.isFrozen(m.get('a')), false, 'freeze did not walk into the map (records are frozen when stored)');
  assert.equal(m.with('b', { n: 2 }).size, 2, 'and the map still makes new versions');
  assert.ok(!('set' in m) && !('delete' in m) && !('clear' in m), 'no mutating Map methods');
});

test('asPersistent: a PersistentMap is returned as is, a Map is copied', () => {
  const p = PersistentMap.from([['a', 1]]);
  assert.equal(asPersistent(p), p);
  const plain = new Map([['x', 1], ['y', 2]]);
  const copy = asPersistent(plain);
  assert.ok(copy instanceof PersistentMap);
  assert.deepEqual([...copy], [...plain]);
});
