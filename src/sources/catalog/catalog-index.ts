import type { CatalogState, CheckRecord, ServiceRecord } from '../store/catalog-state.js';

// Groupings computed once per changed map and shared by every selector (the store keeps an unchanged
// map's identity across states, so these are recomputed only when services or checks change).
const byName = new WeakMap<ReadonlyMap<string, ServiceRecord>, ReadonlyMap<string, readonly ServiceRecord[]>>();
const byService = new WeakMap<ReadonlyMap<string, CheckRecord>, ReadonlyMap<string, readonly CheckRecord[]>>();

const NONE: readonly never[] = Object.freeze([]);

/** The instances of a service name, sorted by ID. */
export function instancesOf(state: CatalogState, name: string): readonly ServiceRecord[] {
  let index = byName.get(state.services);
  if (!index) {
    const m = new Map<string, ServiceRecord[]>();
    for (const s of state.services.values()) {
      const list = m.get(s.Service);
      if (list) list.push(s);
      else m.set(s.Service, [s]);
    }
    for (const list of m.values()) list.sort((a, b) => compare(a.ID, b.ID));
    index = m;
    byName.set(state.services, index);
  }
  return index.get(name) ?? NONE;
}

/** The checks of a service ID, sorted by check ID. */
export function checksOf(state: CatalogState, serviceId: string): readonly CheckRecord[] {
  let index = byService.get(state.checks);
  if (!index) {
    const m = new Map<string, CheckRecord[]>();
    for (const c of state.checks.values()) {
      if (!c.ServiceID) continue;
      const list = m.get(c.ServiceID);
      if (list) list.push(c);
      else m.set(c.ServiceID, [c]);
    }
    for (const list of m.values()) list.sort((a, b) => compare(a.CheckID, b.CheckID));
    index = m;
    byService.set(state.checks, index);
  }
  return index.get(serviceId) ?? NONE;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
