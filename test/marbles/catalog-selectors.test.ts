import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map, takeUntil } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { applyOps } from '../../src/sources/store/apply-ops.js';
import { EMPTY_CATALOG_STATE, type CatalogState, type WriteOp } from '../../src/sources/store/catalog-state.js';
import { createCatalog } from '../../src/sources/catalog/catalog.js';
import type { Slice } from '../../src/sources/catalog/slice.js';
import { checkInput, put, putCheck, serviceInput } from '../sources/support/fixtures.js';

const web = serviceInput('web-1');
const webCheck = checkInput('service:web-1', web);

/** States after each write, in order: a = empty, then one state per op list. */
function statesOf(...writes: WriteOp[][]): CatalogState[] {
  const out = [EMPTY_CATALOG_STATE];
  for (const ops of writes) out.push(applyOps(out[out.length - 1]!, ops).state);
  return out;
}

// a: empty; b: web-1 registered with a critical check; c: api-1 registered (nothing of web changes);
// d: web-1's check passes; e: web-1 moves to another port; f: api-1's port changes.
const [a, b, c, d, e, f] = statesOf(
  [put(web), putCheck(webCheck)],
  [put(serviceInput('api-1'))],
  [{ type: 'check-status', checkId: 'service:web-1', status: 'passing', output: 'ok' }],
  [put({ ...web, Port: 9999 })],
  [put(serviceInput('api-1', { Port: 7000 }))],
) as [CatalogState, CatalogState, CatalogState, CatalogState, CatalogState, CatalogState];
const states = { a, b, c, d, e, f };

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

const ids = (s: Slice<readonly { ID: string; Port: number }[]>) => ({ index: s.index, value: s.value.map((x) => `${x.ID}:${x.Port}`) });
const health = (s: Slice<readonly { service: { ID: string }; checks: readonly { Status: string }[] }[]>) => ({
  index: s.index,
  value: s.value.map((h) => `${h.service.ID}/${h.checks.map((c) => c.Status).join(',')}`),
});

test('service$ emits only when the instances of that service change, with the index of the change', () => {
  scheduler().run(({ hot, expectObservable }) => {
    const state$ = hot('a-b-c-d-e-f', states);
    const catalog = createCatalog({ state$ }, { keepAliveMs: 0 });
    expectObservable(catalog.service$('web').pipe(map(ids))).toBe('a-b-----e--', {
      a: { index: 1, value: [] },
      b: { index: 2, value: ['web-1:8080'] },
      e: { index: 5, value: ['web-1:9999'] },
    });
  });
});

test('serviceHealth$ also emits on check changes; healthyEndpoints$ only when the passing set changes', () => {
  scheduler().run(({ hot, expectObservable }) => {
    const state$ = hot('a-b-c-d-e-f', states);
    const catalog = createCatalog({ state$ }, { keepAliveMs: 0 });
    expectObservable(catalog.serviceHealth$('web').pipe(map(health))).toBe('a-b---d-e--', {
      a: { index: 1, value: [] },
      b: { index: 2, value: ['web-1/critical'] },
      d: { index: 4, value: ['web-1/passing'] },
      e: { index: 5, value: ['web-1/passing'] },
    });
    expectObservable(catalog.healthyEndpoints$('web').pipe(map(health))).toBe('a-----d-e--', {
      a: { index: 1, value: [] },
      d: { index: 4, value: ['web-1/passing'] },
      e: { index: 5, value: ['web-1/passing'] },
    });
  });
});

test('servicesIndex$ emits when names or tags change, not when a port does', () => {
  scheduler().run(({ hot, expectObservable }) => {
    const state$ = hot('a-b-c-d-e-f', states);
    const catalog = createCatalog({ state$ }, { keepAliveMs: 0 });
    expectObservable(catalog.servicesIndex$.pipe(map((s) => ({ index: s.index, value: { ...s.value } })))).toBe('a-b-c------', {
      a: { index: 1, value: {} },
      b: { index: 2, value: { web: [] } },
      c: { index: 3, value: { api: [], web: [] } },
    });
  });
});

test('configEntry$ emits on its own entry only', () => {
  const [s0, s1, s2, s3] = statesOf(
    [{ type: 'config-put', entry: { Kind: 'service-defaults', Name: 'web', Entry: { Protocol: 'http' }, Owner: 'api' } }],
    [{ type: 'config-put', entry: { Kind: 'service-defaults', Name: 'api', Entry: { Protocol: 'grpc' }, Owner: 'api' } }],
    [{ type: 'config-delete', kind: 'service-defaults', name: 'web' }],
  ) as [CatalogState, CatalogState, CatalogState, CatalogState];
  scheduler().run(({ hot, expectObservable }) => {
    const state$ = hot('a-b-c-d', { a: s0, b: s1, c: s2, d: s3 });
    const catalog = createCatalog({ state$ }, { keepAliveMs: 0 });
    expectObservable(catalog.configEntry$('service-defaults', 'web').pipe(map((s) => ({ index: s.index, value: s.value?.Entry })))).toBe(
      'a-b---d',
      { a: { index: 1, value: undefined }, b: { index: 2, value: { Protocol: 'http' } }, d: { index: 4, value: undefined } },
    );
  });
});

test('a selector is shared: many subscribers, one subscription to the state, released after the keep-alive', () => {
  scheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
    const state$ = hot('a-b-c-d-e-f', states);
    const catalog = createCatalog({ state$ }, { keepAliveMs: 3 });
    const first = catalog.service$('web');
    assert.equal(catalog.service$('web'), first, 'the same Observable for the same service');
    // Three subscribers: from 0 to 5, from 2 to 7, from 4 to 6. Then nobody; the keep-alive ends at 10.
    expectObservable(first.pipe(map(ids), takeUntil(cold('-----x')))).toBe('a-b--|', {
      a: { index: 1, value: [] },
      b: { index: 2, value: ['web-1:8080'] },
    });
    expectObservable(first.pipe(map(ids)), '--^----!').toBe('--(ab)', { a: { index: 1, value: [] }, b: { index: 2, value: ['web-1:8080'] } });
    expectObservable(first.pipe(map(ids)), '----^-!').toBe('----b--', { b: { index: 2, value: ['web-1:8080'] } });
    expectSubscriptions(state$.subscriptions).toBe('^---------!');
  });
});
