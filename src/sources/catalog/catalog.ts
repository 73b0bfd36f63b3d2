import { asyncScheduler, finalize, Observable, ReplaySubject, share, timer, type SchedulerLike } from 'rxjs';
import {
  IndexKey,
  indexOf,
  type CatalogState,
  type CheckRecord,
  type ConfigEntryRecord,
  type ServiceRecord,
} from '../store/catalog-state.js';
import type { StateStore } from '../store/state-store.js';
import { jsonEqual } from '../store/json-equal.js';
import { sortedValues } from '../store/sorted-values.js';
import { checksOf, compare, instancesOf, servicesAtPort, sidecarsOf } from './catalog-index.js';
import { isPassing, type ServiceHealth } from './health-status.js';
import { sameElements, selectSlice, type Slice, type SliceSpec } from './slice.js';

export interface CatalogOptions {
  /** Scheduler of the keep-alive timer (virtual time in marble tests). */
  readonly scheduler?: SchedulerLike;
  /**
   * How long a selector stays subscribed to the store after its last subscriber left (default 1000 ms),
   * so a client's next blocking query finds the same slice (same index) instead of a recomputed one.
   */
  readonly keepAliveMs?: number;
}

/**
 * The catalog as Observables. Every selector replays its current slice on subscribe, emits only when its
 * slice changes, and is shared: all subscribers of `service$('web')` use one subscription to the store.
 */
export interface Catalog {
  readonly state$: Observable<CatalogState>;
  /** `GET /v1/catalog/services`: service name → its tags (deduplicated, sorted), names sorted. */
  readonly servicesIndex$: Observable<Slice<Readonly<Record<string, readonly string[]>>>>;
  /** All services, sorted by ID (`GET /v1/agent/services`). */
  readonly services$: Observable<Slice<readonly ServiceRecord[]>>;
  /** All checks, sorted by check ID (`GET /v1/agent/checks`). */
  readonly checks$: Observable<Slice<readonly CheckRecord[]>>;
  /**
   * All checks, sorted by check ID, as of the last time one was added, re-registered or removed: a status
   * update does not move it, so it costs nothing per status write (the health runner's input: it needs the
   * definitions; a record's Status here may be older than the store's).
   */
  readonly checkDefinitions$: Observable<Slice<readonly CheckRecord[]>>;
  /** The instances of one service name, sorted by ID. */
  service$(name: string): Observable<Slice<readonly ServiceRecord[]>>;
  /**
   * The services registered at one port (any address, any kind), sorted by ID: reads that port's records
   * only, emits only when they change (what a proxyless server listener looks its service up in).
   */
  servicesAtPort$(port: number): Observable<Slice<readonly ServiceRecord[]>>;
  /**
   * The connect proxies whose destination is one service name, sorted by ID: reads those records only,
   * emits only when they change (what a service's sidecar endpoints are drawn from).
   */
  sidecarsOf$(destination: string): Observable<Slice<readonly ServiceRecord[]>>;
  /** The instances of one service name with their checks. */
  serviceHealth$(name: string): Observable<Slice<readonly ServiceHealth[]>>;
  /** The instances whose checks are all passing (Consul's `?passing`). */
  healthyEndpoints$(name: string): Observable<Slice<readonly ServiceHealth[]>>;
  configEntry$(kind: string, name: string): Observable<Slice<ConfigEntryRecord | undefined>>;
  /** The config entries of one kind, sorted by name. */
  configEntries$(kind: string): Observable<Slice<readonly ConfigEntryRecord[]>>;
  /** Every config entry, sorted by kind then name. */
  readonly allConfigEntries$: Observable<Slice<readonly ConfigEntryRecord[]>>;
}

export function createCatalog(store: Pick<StateStore, 'state$'>, options: CatalogOptions = {}): Catalog {
  const scheduler = options.scheduler ?? asyncScheduler;
  const keepAliveMs = options.keepAliveMs ?? 1000;
  const state$ = store.state$;

  const shared = <T>(spec: SliceSpec<T>, onTeardown?: () => void): Observable<Slice<T>> =>
    state$.pipe(
      selectSlice(spec),
      finalize(() => onTeardown?.()),
      share({
        connector: () => new ReplaySubject<Slice<T>>(1),
        resetOnError: true,
        resetOnComplete: true,
        resetOnRefCountZero: keepAliveMs > 0 ? () => timer(keepAliveMs, scheduler) : true,
      }),
    );

  /** One shared selector per key, forgotten once nobody uses it (keys come from request URLs). */
  const family = <T>(make: (key: string) => SliceSpec<T>) => {
    const memo = new Map<string, Observable<Slice<T>>>();
    return (key: string): Observable<Slice<T>> => {
      let obs = memo.get(key);
      if (!obs) {
        const created: Observable<Slice<T>> = shared(make(key), () => {
          if (memo.get(key) === created) memo.delete(key);
        });
        obs = created;
        memo.set(key, obs);
      }
      return obs;
    };
  };

  const healthOf = (state: CatalogState, name: string): readonly ServiceHealth[] =>
    instancesOf(state, name).map((service) => ({ service, checks: checksOf(state, service.ID) }));

  const serviceHealth = family<readonly ServiceHealth[]>((name) => ({
    indexOf: (s) => indexOf(s, IndexKey.service(name)),
    project: (s) => healthOf(s, name),
    equal: sameHealth,
  }));
  const healthy = family<readonly ServiceHealth[]>((name) => ({
    indexOf: (s) => indexOf(s, IndexKey.service(name)),
    project: (s) => healthOf(s, name).filter(isPassing),
    equal: sameHealth,
  }));
  const service = family<readonly ServiceRecord[]>((name) => ({
    indexOf: (s) => indexOf(s, IndexKey.service(name)),
    project: (s) => instancesOf(s, name),
    equal: sameElements,
  }));
  // Any service write may move a record into or out of these groups, so their index is that of all
  // services; the recomputation per write is a lookup of the group (carried by the write) and an identity
  // comparison of its sorted list (cached per version of the group).
  const atPort = family<readonly ServiceRecord[]>((port) => ({
    indexOf: (s) => indexOf(s, IndexKey.services),
    project: (s) => servicesAtPort(s, Number(port)),
    equal: sameElements,
  }));
  const sidecars = family<readonly ServiceRecord[]>((destination) => ({
    indexOf: (s) => indexOf(s, IndexKey.services),
    project: (s) => sidecarsOf(s, destination),
    equal: sameElements,
  }));
  const configEntry = family<ConfigEntryRecord | undefined>((key) => {
    const [kind, name] = JSON.parse(key) as [string, string];
    return {
      indexOf: (s) => indexOf(s, IndexKey.configEntry(kind, name)),
      project: (s) => s.configEntries.get(`${kind}/${name}`),
      equal: (a, b) => a === b,
    };
  });
  const configEntries = family<readonly ConfigEntryRecord[]>((kind) => ({
    indexOf: (s) => indexOf(s, IndexKey.configKind(kind)),
    project: (s) => [...s.configEntries.values()].filter((e) => e.Kind === kind).sort((a, b) => compare(a.Name, b.Name)),
    equal: sameElements,
  }));

  return {
    state$,
    servicesIndex$: shared({
      indexOf: (s) => indexOf(s, IndexKey.services),
      project: servicesIndex,
      equal: jsonEqual,
    }),
    services$: shared({
      indexOf: (s) => indexOf(s, IndexKey.services),
      project: (s) => sortedValues(s.services),
      equal: sameElements,
    }),
    checks$: shared({
      indexOf: (s) => indexOf(s, IndexKey.checks),
      project: (s) => sortedValues(s.checks),
      equal: sameElements,
    }),
    checkDefinitions$: shared({
      indexOf: (s) => indexOf(s, IndexKey.checkDefinitions),
      project: (s) => sortedValues(s.checks),
      equal: sameElements,
    }),
    service$: service,
    servicesAtPort$: (port) => atPort(String(port)),
    sidecarsOf$: sidecars,
    serviceHealth$: serviceHealth,
    healthyEndpoints$: healthy,
    configEntry$: (kind, name) => configEntry(JSON.stringify([kind, name])),
    configEntries$: configEntries,
    allConfigEntries$: shared({
      indexOf: (s) => indexOf(s, IndexKey.config),
      project: (s) =>
        [...s.configEntries.values()].sort((a, b) => compare(a.Kind, b.Kind) || compare(a.Name, b.Name)),
      equal: sameElements,
    }),
  };
}

function servicesIndex(state: CatalogState): Readonly<Record<string, readonly string[]>> {
  const tags = new Map<string, Set<string>>();
  for (const s of state.services.values()) {
    let set = tags.get(s.Service);
    if (!set) tags.set(s.Service, (set = new Set()));
    for (const t of s.Tags) set.add(t);
  }
  const out: Record<string, readonly string[]> = Object.create(null) as Record<string, readonly string[]>;
  for (const name of [...tags.keys()].sort(compare)) out[name] = [...tags.get(name)!].sort(compare);
  return Object.freeze(out);
}

function sameHealth(a: readonly ServiceHealth[], b: readonly ServiceHealth[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.service !== b[i]!.service || !sameElements(a[i]!.checks, b[i]!.checks)) return false;
  }
  return true;
}
