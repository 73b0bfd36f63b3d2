import type { CatalogState, CheckRecord, ServiceRecord } from './catalog-state.js';
import { PersistentMap } from './persistent-map.js';
import { carrySorted } from './sorted-values.js';

/**
 * A secondary index of one record map of the state: its records grouped by a field (group → key →
 * record), e.g. service instances by service name. Computed in full (O(n)) the first time a map's groups
 * are asked for; from then on every store write carries them to the next version in O(log n) per changed
 * record ({@link carryGroups}), so a selector of one group reads its own records only.
 */
export interface Grouping<V> {
  /** The group of a record (undefined: in no group). */
  readonly groupOf: (record: V) => string | undefined;
  readonly cache: WeakMap<ReadonlyMap<string, V>, PersistentMap<PersistentMap<V>>>;
}

export type Groups<V> = ReadonlyMap<string, ReadonlyMap<string, V>>;

function grouping<V>(groupOf: (record: V) => string | undefined): Grouping<V> {
  return { groupOf, cache: new WeakMap() };
}

/** `state.services` by service name. */
export const SERVICES_BY_NAME: Grouping<ServiceRecord> = grouping((s) => s.Service);
/** `state.services` by parent service ID (sidecars registered with their service). */
export const SERVICES_BY_PARENT: Grouping<ServiceRecord> = grouping((s) => s.ParentServiceID || undefined);
/** `state.services` by port (as a string): what a free sidecar port is looked up in. */
export const SERVICES_BY_PORT: Grouping<ServiceRecord> = grouping((s) => String(s.Port));
/**
 * `state.services`' connect proxies by destination service name (what a service's sidecar endpoints are
 * drawn from); services that are not connect proxies, or name no destination, are in no group.
 */
export const SIDECARS_BY_DESTINATION: Grouping<ServiceRecord> = grouping((s) =>
  s.Kind === 'connect-proxy' && s.Proxy?.DestinationServiceName ? s.Proxy.DestinationServiceName : undefined,
);
/** `state.checks` by service ID (checks of no service are in no group). */
export const CHECKS_BY_SERVICE: Grouping<CheckRecord> = grouping((c) => c.ServiceID || undefined);

const NO_RECORDS = PersistentMap.empty<never>();

/** The groups of `map` (computed in full only if no write carried them here). */
export function groupsOf<V>(g: Grouping<V>, map: ReadonlyMap<string, V>): Groups<V> {
  let groups = g.cache.get(map);
  if (!groups) {
    const editors = new Map<string, ReturnType<PersistentMap<V>['edit']>>();
    for (const [key, record] of map) {
      const group = g.groupOf(record);
      if (group === undefined) continue;
      let e = editors.get(group);
      if (!e) editors.set(group, (e = PersistentMap.empty<V>().edit()));
      e.set(key, record);
    }
    groups = PersistentMap.from([...editors].map(([group, e]) => [group, e.done()] as const));
    g.cache.set(map, groups);
  }
  return groups;
}

/** The records of one group (an empty map if none). */
export function groupOf<V>(g: Grouping<V>, map: ReadonlyMap<string, V>, group: string): ReadonlyMap<string, V> {
  return groupsOf(g, map).get(group) ?? (NO_RECORDS as ReadonlyMap<string, V>);
}

/**
 * Derives the groups of `next` from those of `base` when only `changed` keys differ between them: O(log n)
 * per changed key. Does nothing if `base`'s groups were never asked for (nobody reads them).
 */
export function carryGroups<V>(g: Grouping<V>, base: ReadonlyMap<string, V>, next: ReadonlyMap<string, V>, changed: Iterable<string>): void {
  if (base === next || g.cache.has(next)) return;
  const groups = g.cache.get(base);
  if (!groups) return;
  const e = groups.edit();
  for (const key of changed) {
    const before = base.get(key);
    const after = next.get(key);
    if (before === after) continue;
    const from = before === undefined ? undefined : g.groupOf(before);
    const to = after === undefined ? undefined : g.groupOf(after);
    if (from !== undefined && from !== to) {
      const rest = e.get(from)?.without(key);
      if (rest && rest.size > 0) e.set(from, rest);
      else e.delete(from);
    }
    if (to !== undefined) e.set(to, (e.get(to) ?? PersistentMap.empty<V>()).with(key, after!));
  }
  g.cache.set(next, e.done());
}

/**
 * Carries every grouping of services and checks (see {@link carryGroups}) and their sorted lists (see
 * {@link carrySorted}) from `base` to `next`.
 */
export function carryAllGroups(
  base: Pick<CatalogState, 'services' | 'checks'>,
  next: Pick<CatalogState, 'services' | 'checks'>,
  changed: { readonly services: Iterable<string>; readonly checks: Iterable<string> },
): void {
  for (const g of [SERVICES_BY_NAME, SERVICES_BY_PARENT, SERVICES_BY_PORT, SIDECARS_BY_DESTINATION]) carryGroups(g, base.services, next.services, changed.services);
  carryGroups(CHECKS_BY_SERVICE, base.checks, next.checks, changed.checks);
  carrySorted(base.services, next.services, changed.services);
  carrySorted(base.checks, next.checks, changed.checks);
}
