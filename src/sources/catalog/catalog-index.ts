import type { CatalogState, CheckRecord, ServiceRecord } from '../store/catalog-state.js';
import { CHECKS_BY_SERVICE, groupOf, SERVICES_BY_NAME, SERVICES_BY_PORT, SIDECARS_BY_DESTINATION } from '../store/record-groups.js';

// A slice of one service name reads that name's records only: the store keeps secondary indexes (service
// instances by name, checks by service ID) that each write carries forward in O(log n) per changed record
// (see record-groups.ts), and each group's sorted list is computed once per version of that group.
const sorted = new WeakMap<ReadonlyMap<string, unknown>, readonly unknown[]>();

const NONE: readonly never[] = Object.freeze([]);

function sortedValues<V>(group: ReadonlyMap<string, V>): readonly V[] {
  if (group.size === 0) return NONE;
  let list = sorted.get(group) as readonly V[] | undefined;
  if (!list) {
    list = [...group].sort(([a], [b]) => compare(a, b)).map(([, v]) => v);
    sorted.set(group, list);
  }
  return list;
}

/** The instances of a service name, sorted by ID. */
export function instancesOf(state: CatalogState, name: string): readonly ServiceRecord[] {
  return sortedValues(groupOf(SERVICES_BY_NAME, state.services, name));
}

/** The services registered at a port (any address), sorted by ID. */
export function servicesAtPort(state: CatalogState, port: number): readonly ServiceRecord[] {
  return sortedValues(groupOf(SERVICES_BY_PORT, state.services, String(port)));
}

/** The connect proxies whose destination is a service name, sorted by ID. */
export function sidecarsOf(state: CatalogState, destination: string): readonly ServiceRecord[] {
  return sortedValues(groupOf(SIDECARS_BY_DESTINATION, state.services, destination));
}

/** The checks of a service ID, sorted by check ID. */
export function checksOf(state: CatalogState, serviceId: string): readonly CheckRecord[] {
  return sortedValues(groupOf(CHECKS_BY_SERVICE, state.checks, serviceId));
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
