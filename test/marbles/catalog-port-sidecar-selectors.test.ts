import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BehaviorSubject, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { applyOps } from '../../src/sources/store/apply-ops.js';
import { EMPTY_CATALOG_STATE, type CatalogState, type ServiceInput, type WriteOp } from '../../src/sources/store/catalog-state.js';
import { createCatalog } from '../../src/sources/catalog/catalog.js';
import type { Slice } from '../../src/sources/catalog/slice.js';
import { put, serviceInput } from '../sources/support/fixtures.js';

const proxy = (id: string, destination: string, port: number): ServiceInput =>
  serviceInput(id, {
    Service: `${destination}-sidecar-proxy`,
    Kind: 'connect-proxy',
    Port: port,
    Proxy: { DestinationServiceName: destination, DestinationServiceID: `${destination}-1`, LocalServiceAddress: '127.0.0.1', LocalServicePort: 8080, Upstreams: [] },
  });

function statesOf(...writes: WriteOp[][]): CatalogState[] {
  const out = [EMPTY_CATALOG_STATE];
  for (const ops of writes) out.push(applyOps(out[out.length - 1]!, ops).state);
  return out;
}

// a: empty; b: web-1 at 8080; c: api-1 at 9090 (nothing at 8080, no sidecar); d: web's sidecar at 21000;
// e: api's sidecar at 21001; f: web-1's tags change (same port); g: web's sidecar moves to 21002;
// h: web's sidecar deleted.
const [a, b, c, d, e, f, g, h] = statesOf(
  [put(serviceInput('web-1', { Port: 8080 }))],
  [put(serviceInput('api-1', { Port: 9090 }))],
  [put(proxy('web-proxy', 'web', 21000))],
  [put(proxy('api-proxy', 'api', 21001))],
  [put(serviceInput('web-1', { Port: 8080, Tags: ['v2'] }))],
  [put(proxy('web-proxy', 'web', 21002))],
  [{ type: 'service-delete', id: 'web-proxy' }],
) as [CatalogState, CatalogState, CatalogState, CatalogState, CatalogState, CatalogState, CatalogState, CatalogState];
const states = { a, b, c, d, e, f, g, h };

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
const ids = (s: Slice<readonly { ID: string; Port: number; Tags: readonly string[] }[]>) => ({
  index: s.index,
  value: s.value.map((x) => `${x.ID}:${x.Port}${x.Tags.length ? `:${x.Tags.join(',')}` : ''}`),
});

test('servicesAtPort$ emits only when the records at its port change, with the index of the change', () => {
  scheduler().run(({ hot, expectObservable }) => {
    const state$ = hot('a-b-c-d-e-f-g-h', states);
    const catalog = createCatalog({ state$ }, { keepAliveMs: 0 });
    expectObservable(catalog.servicesAtPort$(8080).pipe(map(ids))).toBe('a-b-------f----', {
      a: { index: 1, value: [] },
      b: { index: 2, value: ['web-1:8080'] },
      f: { index: 6, value: ['web-1:8080:v2'] },
    });
    expectObservable(catalog.servicesAtPort$(21000).pipe(map(ids))).toBe('a-----d-----g--', {
      a: { index: 1, value: [] },
      d: { index: 4, value: ['web-proxy:21000'] },
      g: { index: 7, value: [] },
    });
  });
});

test('sidecarsOf$ emits only when the connect proxies of its destination change', () => {
  scheduler().run(({ hot, expectObservable }) => {
    const state$ = hot('a-b-c-d-e-f-g-h', states);
    const catalog = createCatalog({ state$ }, { keepAliveMs: 0 });
    expectObservable(catalog.sidecarsOf$('web').pipe(map(ids))).toBe('a-----d-----g-h', {
      a: { index: 1, value: [] },
      d: { index: 4, value: ['web-proxy:21000'] },
      g: { index: 7, value: ['web-proxy:21002'] },
      h: { index: 8, value: [] },
    });
    expectObservable(catalog.sidecarsOf$('api').pipe(map(ids))).toBe('a-------e------', {
      a: { index: 1, value: [] },
      e: { index: 5, value: ['api-proxy:21001'] },
    });
  });
});

test('servicesAtPort$ and sidecarsOf$ are shared per key and leave the state after the keep-alive; a later subscriber gets a new selector', () => {
  scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
    const state$ = hot('a-b-c-d-e-f-g-h', states);
    const catalog = createCatalog({ state$ }, { keepAliveMs: 2 });
    const atPort = catalog.servicesAtPort$(8080);
    const sidecars = catalog.sidecarsOf$('web');
    assert.equal(catalog.servicesAtPort$(8080), atPort, 'the same Observable for the same port');
    assert.equal(catalog.sidecarsOf$('web'), sidecars, 'the same Observable for the same destination');
    // Two subscribers of each from 0 to 3 and from 1 to 6; nobody after 6, the keep-alive ends at 8.
    expectObservable(atPort.pipe(map(ids)), '^--!').toBe('a-b', { a: { index: 1, value: [] }, b: { index: 2, value: ['web-1:8080'] } });
    expectObservable(atPort.pipe(map(ids)), '-^----!').toBe('-ab', { a: { index: 1, value: [] }, b: { index: 2, value: ['web-1:8080'] } });
    expectObservable(sidecars.pipe(map(ids)), '^--!').toBe('a--', { a: { index: 1, value: [] } });
    expectObservable(sidecars.pipe(map(ids)), '-^----!').toBe('-a', { a: { index: 1, value: [] } });
    // One subscription to the state per selector, each ending with the keep-alive.
    expectSubscriptions(state$.subscriptions).toBe(['^-------!', '^-------!']);
  });
  const catalog = createCatalog({ state$: new BehaviorSubject(EMPTY_CATALOG_STATE) }, { keepAliveMs: 0 });
  const first = catalog.sidecarsOf$('web');
  first.subscribe().unsubscribe();
  assert.notEqual(catalog.sidecarsOf$('web'), first, 'forgotten once nobody uses it');
  const port = catalog.servicesAtPort$(1);
  port.subscribe().unsubscribe();
  assert.notEqual(catalog.servicesAtPort$(1), port, 'forgotten once nobody uses it');
});
