// The page's own RFC 6902 apply function (static/json-patch.js) against patches made by fast-json-patch,
// the same library the server's watch stream uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsonPatch, { type Operation } from 'fast-json-patch';

type Apply = (doc: unknown, ops: readonly Operation[]) => unknown;
const mod = (await import(new URL('../../src/sinks/ui/static/json-patch.js', import.meta.url).href)) as {
  applyPatch: Apply;
  describePointer: (p: string) => string;
};

/** A small deterministic PRNG so failures are reproducible. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth <= 0 || k < 0.35) return k < 0.1 ? null : k < 0.2 ? Math.floor(r() * 100) : k < 0.3 ? `s${Math.floor(r() * 5)}` : r() < 0.5;
  if (k < 0.65) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 4); i > 0; i--) o[['a', 'b/c', 'd~e', 'f', 'g'][Math.floor(r() * 5)]!] = randomValue(r, depth - 1);
  return o;
}

test('applying compare(a, b) to a gives b, for many random documents (keys with / and ~ included)', () => {
  const r = rng(42);
  for (let i = 0; i < 500; i++) {
    const a = { Resources: randomValue(r, 4) };
    const b = { Resources: randomValue(r, 4) };
    const ops = jsonPatch.compare(a, b);
    assert.deepEqual(mod.applyPatch(a, ops), b, `case ${i}: ${JSON.stringify(ops)}`);
  }
});

test('every operation kind, and errors for patches that do not apply; the input is not modified', () => {
  const doc = { list: [1, 2, 3], obj: { x: 1 } };
  const out = mod.applyPatch(doc, [
    { op: 'add', path: '/list/-', value: 4 },
    { op: 'add', path: '/list/0', value: 0 },
    { op: 'remove', path: '/list/1' },
    { op: 'replace', path: '/obj/x', value: { deep: true } },
    { op: 'copy', from: '/obj', path: '/copy' },
    { op: 'move', from: '/list', path: '/moved' },
    { op: 'test', path: '/copy/x/deep', value: true },
  ]);
  assert.deepEqual(out, { obj: { x: { deep: true } }, copy: { x: { deep: true } }, moved: [0, 2, 3, 4] });
  assert.deepEqual(doc, { list: [1, 2, 3], obj: { x: 1 } });
  assert.throws(() => mod.applyPatch(doc, [{ op: 'remove', path: '/nope' }]), /not found/);
  assert.throws(() => mod.applyPatch(doc, [{ op: 'replace', path: '/list/9', value: 1 }]), /not found/);
  assert.throws(() => mod.applyPatch(doc, [{ op: 'add', path: '/list/9', value: 1 }]), /out of range/);
  assert.throws(() => mod.applyPatch(doc, [{ op: 'test', path: '/obj/x', value: 2 }]), /test failed/);
  assert.equal(mod.describePointer('/Resources/type.googleapis.com~1envoy.config.cluster.v3.Cluster/a~0b'),
    'Resources › type.googleapis.com/envoy.config.cluster.v3.Cluster › a~b');
});
