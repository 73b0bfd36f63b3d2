import { distinctUntilChanged, map, Subject, type Subscription } from 'rxjs';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { HealthHooks } from '../consul-api/consul-api-deps.js';
import {
  checkSpecFromDefinition,
  createProbes,
  runHealthChecks,
  type CheckSpec,
  type ConsulCheckDefinition,
  type HealthEvent,
  type HealthRunnerDeps,
  type TtlUpdate,
} from '../health/index.js';
import type { CheckRecord } from '../store/catalog-state.js';
import type { StateStore } from '../store/state-store.js';
import { StoreConflictError } from '../store/store-errors.js';
import type { Catalog } from './catalog.js';
import { deregistrationOps } from './registration.js';

/** Consul keeps at most this much check output. */
const MAX_OUTPUT = 4096;

export interface HealthChecksOptions extends Omit<HealthRunnerDeps, 'ttlUpdates$' | 'probes' | 'logger'> {
  readonly probes?: HealthRunnerDeps['probes'];
  readonly logger?: Logger;
}

export interface HealthChecks {
  /** Pass to `createConsulApi` so TTL updates through the API restart the TTL. */
  readonly hooks: HealthHooks;
  stop(): void;
}

/**
 * Runs the catalog's checks (src/sources/health) and writes what they find into the store: status
 * changes (TTL expiry included) as check-status writes, DeregisterCriticalServiceAfter as a deregistration
 * of the service (and its sidecar). The runner starts each check from the status the store holds, so a
 * restart does not reset health; it is restarted only when a check's definition changes, not its status.
 */
export function startHealthChecks(store: StateStore, catalog: Catalog, options: HealthChecksOptions): HealthChecks {
  const logger = options.logger ?? silentLogger;
  const ttl$ = new Subject<TtlUpdate>();
  const specs = new WeakMap<CheckRecord, CheckSpec | null>();

  const specOf = (c: CheckRecord): CheckSpec | null => {
    let spec = specs.get(c);
    if (spec === undefined) {
      const r = checkSpecFromDefinition(c.Definition as ConsulCheckDefinition, { checkId: c.CheckID, serviceId: c.ServiceID });
      if (!r.ok) logger.warn({ checkId: c.CheckID, error: r.error }, 'check not run: its definition is not runnable');
      spec = r.ok ? { ...r.value, status: c.Status, output: c.Output } : null;
      specs.set(c, spec);
    }
    return spec;
  };

  const checks$ = catalog.checkDefinitions$.pipe(
    map((slice) => slice.value),
    // A status change makes a new record with the same Definition object: only definition changes matter here.
    distinctUntilChanged((a, b) => a.length === b.length && a.every((c, i) => c.CheckID === b[i]!.CheckID && c.ServiceID === b[i]!.ServiceID && c.Definition === b[i]!.Definition)),
    map((records) => {
      const out = new Map<string, CheckSpec>();
      for (const c of records) {
        const spec = specOf(c);
        if (spec) out.set(c.CheckID, spec);
      }
      return out;
    }),
  );

  const apply = (e: HealthEvent): void => {
    const write =
      e.type === 'status'
        ? store.write([{ type: 'check-status', checkId: e.checkId, status: e.status, output: e.output.slice(0, MAX_OUTPUT) }])
        : store.write((state) => deregistrationOps(state, e.serviceId) ?? []);
    write.catch((err: unknown) => {
      if (err instanceof StoreConflictError) logger.debug({ event: e, err: err.message }, 'health event for a check that is gone');
      else logger.error({ event: e, err }, 'health event not written');
    });
  };

  const subscription: Subscription = runHealthChecks(checks$, {
    ...options,
    probes: options.probes ?? createProbes(),
    logger,
    ttlUpdates$: ttl$,
  }).subscribe({ next: apply, error: (err: unknown) => logger.error({ err }, 'health check runner stopped') });

  return {
    hooks: { ttlUpdated: (checkId, status, output) => ttl$.next({ checkId, status, output }) },
    stop: () => {
      subscription.unsubscribe();
      ttl$.complete();
    },
  };
}
