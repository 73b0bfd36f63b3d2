import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { applyOps } from '../../src/sources/store/apply-ops.js';
import { EMPTY_CATALOG_STATE, type CatalogState, type WriteOp } from '../../src/sources/store/catalog-state.js';
import { createCatalog } from '../../src/sources/catalog/catalog.js';
import type { Slice } from '../../src/sources/catalog/slice.js';
import type { CheckRecord } from '../../src/sources/store/catalog-state.js';
import { checkInput, put, putCheck, serviceInput } from '../sources/support/fixtures.js';

function statesOf(...writes: WriteOp[][]): CatalogState[] {
  const out = [EMPTY_CATALOG_STATE];
  for (const ops of writes) out.push(applyOps(out[out.length - 1]!, ops).state);
  return out;
}

const web = serviceInput('web-1');
// a: empty; b: web-1 with check c1 (TTL); c: c1 passes; d: c1 fails; e: check c2 added; f: c1 passes again;
// g: c1 re-registered with an HTTP definition; h: c2 deleted. (statesOf returns the empty state first.)
const [a, b, c, d, e, f, g, h] = statesOf(
  [put(web), putCheck(checkInput('c1', web, { Definition: { TTL: '30s' } }))],
  [{ type: 'check-status', checkId: 'c1', status: 'passing', output: 'ok' }],
  [{ type: 'check-status', checkId: 'c1', status: 'critical', output: 'down' }],
  [putCheck(checkInput('c2', web, { Definition: { TTL: '10s' } }))],
  [{ type: 'check-status', checkId: 'c1', status: 'passing', output: 'ok' }],
  [putCheck(checkInput('c1', web, { Definition: { HTTP: 'http://127.0.0.1:1/health', Interval: '10s' } }))],
  [{ type: 'check-delete', checkId: 'c2' }],
) as [CatalogState, CatalogState, CatalogState, CatalogState, CatalogState, CatalogState, CatalogState, CatalogState];

const summary = (s: Slice<readonly CheckRecord[]>) => ({ index: s.index, value: s.value.map((r) => `${r.CheckID}:${JSON.stringify(r.Definition)}`) });

test('checkDefinitions$ moves when a check is added, re-registered or removed, not on status updates; checks$ moves on every one', () => {
  new TestScheduler((actual, expected) => assert.deepEqual(actual, expected)).run(({ hot, expectObservable }) => {
    const state$ = hot('a-b-c-d-e-f-g-h', { a, b, c, d, e, f, g, h });
    const catalog = createCatalog({ state$ }, { keepAliveMs: 0 });
    expectObservable(catalog.checkDefinitions$.pipe(map(summary))).toBe('a-b-----e---g-h', {
      a: { index: 1, value: [] },
      b: { index: 2, value: ['c1:{"TTL":"30s"}'] },
      e: { index: 5, value: ['c1:{"TTL":"30s"}', 'c2:{"TTL":"10s"}'] },
      g: { index: 7, value: ['c1:{"HTTP":"http://127.0.0.1:1/health","Interval":"10s"}', 'c2:{"TTL":"10s"}'] },
      h: { index: 8, value: ['c1:{"HTTP":"http://127.0.0.1:1/health","Interval":"10s"}'] },
    });
    expectObservable(catalog.checks$.pipe(map((s) => s.index))).toBe('a-b-c-d-e-f-g-h', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8 });
  });
});
