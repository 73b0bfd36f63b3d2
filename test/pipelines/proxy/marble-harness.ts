// Drives a proxy manager in virtual time: a catalog over a test-controlled state stream, nodes with fixed
// LDS subscriptions, and short summaries of snapshots for marble expectations.
import { create } from '@bufbuild/protobuf';
import { map, merge, NEVER, of, ReplaySubject, share, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { NodeSchema } from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import type { ClusterLoadAssignment } from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { silentLogger } from '../../../src/core/logger.js';
import { ResourceEncoder } from '../../../src/core/resource.js';
import type { Snapshot } from '../../../src/core/snapshot.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { createCatalog, type Catalog } from '../../../src/sources/catalog/catalog.js';
import type { CatalogState } from '../../../src/sources/store/catalog-state.js';
import { createProxyManager, type ProxyManager, type ProxyManagerDeps } from '../../../src/pipelines/proxy/proxy-manager.js';

export const DEBOUNCE_MS = 5;
export const DEBOUNCE_MAX_MS = 50;
export const GRACE_MS = 20;

export interface Harness {
  readonly catalog: Catalog;
  readonly manager: ProxyManager;
  /** A stream of a proxyless node that subscribes to `targets` (LDS names). */
  proxyless(nodeId: string, targets: readonly string[], streamId?: string): Observable<Snapshot>;
  /** A stream of an Envoy node (no subscriptions reported: a sidecar needs none). */
  envoy(nodeId: string, streamId?: string): Observable<Snapshot>;
}

/**
 * A manager over `states$` (which must replay its latest state to late subscribers, as a store's does),
 * with the catalog's keep-alive off so teardown reaches the source at once.
 */
export function harness(scheduler: SchedulerLike, states$: Observable<CatalogState>, deps: Partial<ProxyManagerDeps> = {}): Harness {
  const catalog = createCatalog({ state$: states$ }, { scheduler, keepAliveMs: 0 });
  const manager = createProxyManager({
    catalog,
    encoder: new ResourceEncoder(),
    scheduler,
    debounceMs: DEBOUNCE_MS,
    debounceMaxMs: DEBOUNCE_MAX_MS,
    graceMs: GRACE_MS,
    trustDomain: 'rxds.test',
    logger: silentLogger,
    maxSnapshotsPerSecond: Infinity,
    ...deps,
  });
  let streams = 0;
  return {
    catalog,
    manager,
    proxyless: (nodeId, targets, streamId = String(++streams)) =>
      manager.snapshots(create(NodeSchema, { id: nodeId }), { streamId, subscriptions$: of(new Map([[TypeUrl.Listener, [...targets]]])) }),
    envoy: (nodeId, streamId = String(++streams)) => manager.snapshots(create(NodeSchema, { id: nodeId }), { streamId }),
  };
}

/** A replaying state stream from (time, state) pairs (never completing, like a store's). */
export function statesAt(scheduler: SchedulerLike, entries: readonly (readonly [number, CatalogState])[]): Observable<CatalogState> {
  return merge(...entries.map(([t, s]) => (t === 0 ? of(s) : timer(t, scheduler).pipe(map(() => s)))), NEVER).pipe(
    share({ connector: () => new ReplaySubject(1), resetOnRefCountZero: true }),
  );
}

/** A state stream from a cold marble, replaying its latest state; `cold.subscriptions` logs the source's use. */
export function replaying<T>(source: Observable<T>): Observable<T> {
  return source.pipe(share({ connector: () => new ReplaySubject(1), resetOnRefCountZero: true }));
}

/** The endpoints of a snapshot: `cluster-prefix=port*weight,...` per ClusterLoadAssignment, sorted. */
export function endpointsSummary(snapshot: Snapshot): string {
  const parts: string[] = [];
  for (const r of snapshot.get(TypeUrl.ClusterLoadAssignment)?.values() ?? []) {
    const cla = r.message as ClusterLoadAssignment;
    const eps = cla.endpoints.flatMap((l) =>
      l.lbEndpoints.map((e) => {
        const a = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value.address?.address : undefined;
        const port = a?.case === 'socketAddress' ? a.value.portSpecifier.value : '?';
        return `${port}*${e.loadBalancingWeight ?? 1}@p${l.priority}`;
      }),
    );
    parts.push(`${cla.clusterName.split('.default.')[0]}=${eps.join(',')}`);
  }
  return parts.sort().join(' ');
}

/** Names of the resources of each type, for checking what a snapshot holds. */
export function namesSummary(snapshot: Snapshot): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [t, rs] of snapshot) out[t.split('.').pop()!] = [...rs.keys()].sort();
  return out;
}

export type { TestScheduler };
