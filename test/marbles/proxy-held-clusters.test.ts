// A proxyless client keeps a cluster it still subscribes to (calls in flight hold it) after the route stops
// pointing at it, and loses it once it unsubscribes; a name whose service or subset does not exist is not kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import type { Subscriptions } from '../../src/pipelines/proxy/node-targets.js';
import type { CatalogState } from '../../src/sources/store/catalog-state.js';
import { DEBOUNCE_MS, harness, statesAt, type Harness } from '../pipelines/proxy/marble-harness.js';
import { deleteEntry, deregister, instance, mesh } from '../pipelines/proxy/mesh-state.js';

const sni = (prefix: string) => `${prefix}.default.dc1.internal.rxds.test`;
const V1 = sni('v1.backend');
const V2 = sni('v2.backend');

const split: CatalogState = mesh(
  [instance('backend', 'b1', 7001, { Meta: { version: 'v1' } }), instance('backend', 'b2', 7002, { Meta: { version: 'v2' } })],
  [
    { Kind: 'service-defaults', Name: 'backend', Protocol: 'grpc' },
    {
      Kind: 'service-resolver',
      Name: 'backend',
      DefaultSubset: 'v1',
      Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } },
    },
    { Kind: 'service-splitter', Name: 'backend', Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 50, ServiceSubset: 'v2' }] },
  ],
);
const unsplit = deleteEntry(split, 'service-splitter', 'backend');

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** What the client is told: the clusters its routes name, the clusters (CDS) and endpoints (EDS) it gets. */
function summary(snapshot: Snapshot): string {
  const routed = new Set<string>();
  for (const r of snapshot.get(TypeUrl.RouteConfiguration)?.values() ?? []) {
    for (const m of JSON.stringify(r.message, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).matchAll(/[\w.]+\.internal\.rxds\.test/g)) routed.add(m[0]);
  }
  const short = (names: Iterable<string>) => [...names].map((n) => n.split('.backend')[0]).sort().join(',');
  return `rds:${short(routed)} cds:${short(snapshot.get(TypeUrl.Cluster)?.keys() ?? [])} eds:${short(snapshot.get(TypeUrl.ClusterLoadAssignment)?.keys() ?? [])}`;
}

function client(h: Harness, subscriptions$: Observable<Subscriptions>): Observable<string> {
  return h.manager.snapshots(create(NodeSchema, { id: 'frontend' }), { streamId: 'stream-1', subscriptions$ }).pipe(map(summary));
}

const subs = (clusters: readonly string[]): Subscriptions =>
  new Map<string, readonly string[]>([
    [TypeUrl.Listener, ['backend']],
    [TypeUrl.Cluster, [...clusters]],
    [TypeUrl.ClusterLoadAssignment, [...clusters]],
  ]);

test('splitter deleted: the subscribed v2 cluster stays (CDS and EDS) while no route names it, and goes when the client unsubscribes', () => {
  const s = scheduler();
  s.run(({ cold, expectObservable }) => {
    const h = harness(s, statesAt(s, [[0, split], [10, unsplit]]));
    const subscriptions$ = cold<Subscriptions>('a 29ms b', { a: subs([V1, V2]), b: subs([V1]) });
    expectObservable(client(h, subscriptions$)).toBe(`a ${9 + DEBOUNCE_MS}ms b ${19}ms c`, {
      a: 'rds:v1,v2 cds:v1,v2 eds:v1,v2',
      b: 'rds:v1 cds:v1,v2 eds:v1,v2',
      c: 'rds:v1 cds:v1 eds:v1',
    });
  });
});

test('a client that does not subscribe to v2 loses it with the route (nothing is kept for nobody)', () => {
  const s = scheduler();
  s.run(({ cold, expectObservable }) => {
    const h = harness(s, statesAt(s, [[0, split], [10, unsplit]]));
    const subscriptions$ = cold<Subscriptions>('a', { a: subs([V1]) });
    expectObservable(client(h, subscriptions$)).toBe(`a ${9 + DEBOUNCE_MS}ms b`, {
      a: 'rds:v1,v2 cds:v1,v2 eds:v1,v2',
      b: 'rds:v1 cds:v1 eds:v1',
    });
  });
});

test('a held name is kept only while its target exists: not for an undefined subset, a foreign name, or a service gone', () => {
  const s = scheduler();
  const gone = deregister(deregister(deleteEntry(deleteEntry(deleteEntry(unsplit, 'service-resolver', 'backend'), 'service-defaults', 'backend'), 'service-splitter', 'backend'), 'b1'), 'b2');
  s.run(({ cold, expectObservable }) => {
    const h = harness(s, statesAt(s, [[0, unsplit], [10, gone]]));
    const names = [V1, V2, sni('v3.backend'), 'v2.backend.default.dc1.internal.other.domain', sni('nosuch')];
    const subscriptions$ = cold<Subscriptions>('a', { a: subs(names) });
    expectObservable(client(h, subscriptions$)).toBe(`a ${9 + DEBOUNCE_MS}ms b`, {
      a: 'rds:v1 cds:v1,v2 eds:v1,v2',
      b: 'rds: cds: eds:',
    });
  });
});
