// Only affected proxies recompute (BRIEF 1): a change to service A emits nothing for a proxy that does not
// depend on A, and costs no snapshot build there; a resource many proxies share is built once per change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { CatalogState } from '../../src/sources/store/catalog-state.js';
import { DEBOUNCE_MS, endpointsSummary, harness, statesAt } from '../pipelines/proxy/marble-harness.js';
import { instance, mesh, register, writeEntry } from '../pipelines/proxy/mesh-state.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

const sidecar = (port: number) => ({ Connect: { SidecarService: { Port: port } } });
// api and web, each with a sidecar; frontend's sidecar has only api as upstream.
const base: CatalogState = mesh([
  instance('api', 'api-1', 7001, sidecar(21001)),
  instance('web', 'web-1', 8001, sidecar(21002)),
  instance('frontend', 'frontend-1', 9001, {
    Connect: { SidecarService: { Port: 21000, Proxy: { Upstreams: [{ DestinationName: 'api', LocalBindPort: 9191 }] } } },
  }),
]);
const webMoved = register(base, instance('web', 'web-1', 8002, sidecar(21003))); // t=10: only web changes
const apiAdded = register(webMoved, instance('api', 'api-2', 7002, sidecar(21004))); // t=20: a second api instance
const entryForWeb = writeEntry(apiAdded, { Kind: 'service-defaults', Name: 'web', Protocol: 'http' }); // t=30

const timeline = (s: TestScheduler) =>
  statesAt(s, [
    [0, base],
    [10, webMoved],
    [20, apiAdded],
    [30, entryForWeb],
  ]);

test('proxyless clients: a change to web reaches only the client of web; a change to api only the clients of api', () => {
  const s = scheduler();
  let h: ReturnType<typeof harness> | undefined;
  s.run(({ expectObservable }) => {
    h = harness(s, timeline(s));
    expectObservable(h.proxyless('client-of-api', ['api']).pipe(map(endpointsSummary))).toBe(`a ${19 + DEBOUNCE_MS}ms b`, {
      a: 'api=7001*1@p0',
      b: 'api=7001*1@p0,7002*1@p0',
    });
    expectObservable(h.proxyless('client-of-web', ['web']).pipe(map(endpointsSummary))).toBe(`a ${9 + DEBOUNCE_MS}ms b`, {
      a: 'web=8001*1@p0',
      b: 'web=8002*1@p0',
    });
    expectObservable(h.proxyless('other-client-of-api', ['api:7001']).pipe(map(endpointsSummary))).toBe(`a ${19 + DEBOUNCE_MS}ms b`, {
      a: 'api=7001*1@p0',
      b: 'api=7001*1@p0,7002*1@p0',
    });
  });
  // 3 initial builds, then one per affected proxy: web's client at 15, api's two clients at 25, and web's
  // client again at 35 for the entry for web (its chain changed: rebuilt, but to equal resources, so no
  // emission). The clients of api never rebuild for web.
  assert.equal(h!.manager.stats().builds, 3 + 1 + 2 + 1);
});

test('an Envoy sidecar with upstream api: changes to web (instances, config) build nothing for it', () => {
  const s = scheduler();
  let h: ReturnType<typeof harness> | undefined;
  s.run(({ expectObservable }) => {
    h = harness(s, timeline(s));
    expectObservable(h.envoy('frontend-1-sidecar-proxy').pipe(map(endpointsSummary))).toBe(`a ${19 + DEBOUNCE_MS}ms b`, {
      a: 'api=21001*1@p0',
      b: 'api=21001*1@p0,21004*1@p0',
    });
  });
  assert.equal(h!.manager.stats().builds, 2, 'one initial build and one for the api change');
});

test('one shared upstream, many proxies: its endpoints are built once per change, not once per proxy', () => {
  const s = scheduler();
  let h: ReturnType<typeof harness> | undefined;
  s.run(({ expectObservable }) => {
    h = harness(s, timeline(s));
    for (let i = 0; i < 20; i++) {
      expectObservable(h.proxyless(`client-${i}`, ['api']).pipe(map(endpointsSummary))).toBe(`a ${19 + DEBOUNCE_MS}ms b`, {
        a: 'api=7001*1@p0',
        b: 'api=7001*1@p0,7002*1@p0',
      });
    }
  });
  // Shared builds: listener, route, cluster and endpoints for api, then the endpoints again after the change.
  assert.equal(h!.manager.stats().sharedBuilds, 5);
  assert.equal(h!.manager.stats().builds, 40);
});
