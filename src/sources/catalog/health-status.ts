import type { CheckRecord, CheckStatus, ServiceRecord } from '../store/catalog-state.js';

/** One service instance with its checks, as the health endpoints and the xDS pipelines see it. */
export interface ServiceHealth {
  readonly service: ServiceRecord;
  readonly checks: readonly CheckRecord[];
}

/** The worst status among checks (Consul's rule): critical > warning > passing; no checks is passing. */
export function aggregateStatus(checks: readonly CheckRecord[]): CheckStatus {
  let status: CheckStatus = 'passing';
  for (const c of checks) {
    if (c.Status === 'critical') return 'critical';
    if (c.Status === 'warning') status = 'warning';
  }
  return status;
}

/** Consul's `?passing` filter: every check passing (a warning is not passing). */
export function isPassing(entry: ServiceHealth): boolean {
  return entry.checks.every((c) => c.Status === 'passing');
}
