import {
  connect,
  distinctUntilChanged,
  EMPTY,
  map,
  merge,
  NEVER,
  Observable,
  skip,
  startWith,
  Subject,
  switchMap,
  tap,
  timer,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { CheckSpec, HealthEvent, ProbeResult, Probes, TtlUpdate } from './check-spec.js';
import { checkResults } from './check-status.js';

export interface HealthRunnerDeps {
  /** Drives intervals, timeouts, TTLs and deregistration timers (a TestScheduler in marble tests). */
  readonly scheduler: SchedulerLike;
  readonly probes: Probes;
  readonly logger?: Logger;
  /** TTL check updates (the agent's pass/warn/fail calls). Updates for unknown or non-TTL checks are ignored. */
  readonly ttlUpdates$?: Observable<TtlUpdate>;
  /**
   * Consul's floors: Interval at least 1 s, DeregisterCriticalServiceAfter at least 1 min (lower values are
   * raised, with a warning). Tests may lower them.
   */
  readonly limits?: { readonly minIntervalMs?: number; readonly minDeregisterAfterMs?: number };
}

interface Running {
  readonly key: string;
  current: ProbeResult;
  readonly ttl: Subject<TtlUpdate>;
  subscription?: Subscription;
}

/**
 * Runs the health checks of the current check set and reports what changes.
 *
 * `checks$` is the whole set each time (keyed by check ID), e.g. derived from the catalog. A new check starts
 * with its `status` (default critical) and is probed at once, then every Interval; a check that disappears is
 * stopped; a check whose definition changes is restarted, keeping its current status. TTL checks take their
 * updates from `deps.ttlUpdates$` and expire to critical ("TTL expired").
 *
 * Emits `status` only when a check's status or output changed (never for the initial state, which the
 * catalog already has), and `deregister` when a service check has stayed critical for its
 * DeregisterCriticalServiceAfter (once per critical spell). Completion of `checks$` keeps the last set
 * running; unsubscribing stops everything.
 */
export function runHealthChecks(checks$: Observable<ReadonlyMap<string, CheckSpec>>, deps: HealthRunnerDeps): Observable<HealthEvent> {
  const logger = deps.logger ?? silentLogger;
  const minIntervalMs = deps.limits?.minIntervalMs ?? 1000;
  const minDeregisterMs = deps.limits?.minDeregisterAfterMs ?? 60_000;

  return new Observable<HealthEvent>((subscriber) => {
    const running = new Map<string, Running>();

    const stop = (id: string): void => {
      running.get(id)?.subscription?.unsubscribe();
      running.delete(id);
    };

    const start = (id: string, raw: CheckSpec, initial: ProbeResult): void => {
      const spec = withFloors(raw, minIntervalMs, minDeregisterMs, logger);
      const ttl = new Subject<TtlUpdate>();
      const entry: Running = { key: definitionKey(raw), current: initial, ttl };
      const events$ = checkResults(spec, { probes: deps.probes, scheduler: deps.scheduler, ttlUpdates$: ttl }).pipe(
        startWith(initial),
        distinctUntilChanged((a, b) => a.status === b.status && a.output === b.output),
        tap((s) => {
          if (s.status !== entry.current.status) logger.info({ checkId: id, status: s.status, output: s.output }, 'check status changed');
          entry.current = s;
        }),
        connect((state$) =>
          merge(
            state$.pipe(
              skip(1),
              map((s): HealthEvent => ({ type: 'status', checkId: id, ...(spec.serviceId ? { serviceId: spec.serviceId } : {}), status: s.status, output: s.output })),
            ),
            deregistrations(state$, id, spec, deps.scheduler),
          ),
        ),
      );
      running.set(id, entry);
      entry.subscription = events$.subscribe({
        next: (e) => {
          if (e.type === 'deregister') logger.warn({ checkId: id, serviceId: e.serviceId }, 'deregistering service: check critical too long');
          subscriber.next(e);
        },
        error: (e: unknown) => {
          logger.error({ checkId: id, err: String(e) }, 'health check runner failed');
        },
      });
    };

    const reconcile = (specs: ReadonlyMap<string, CheckSpec>): void => {
      for (const id of [...running.keys()]) if (!specs.has(id)) stop(id);
      for (const [id, spec] of specs) {
        const r = running.get(id);
        if (r && r.key === definitionKey(spec)) continue;
        const initial: ProbeResult = r ? r.current : { status: spec.status ?? 'critical', output: spec.output ?? '' };
        if (r) stop(id);
        start(id, spec, initial);
      }
    };

    const ttlSub = (deps.ttlUpdates$ ?? NEVER).subscribe((u) => {
      const r = running.get(u.checkId);
      if (!r) logger.warn({ checkId: u.checkId }, 'TTL update for an unknown check ignored');
      else r.ttl.next(u);
    });
    const specSub = checks$.subscribe({
      next: reconcile,
      error: (e: unknown) => subscriber.error(e),
    });

    return () => {
      specSub.unsubscribe();
      ttlSub.unsubscribe();
      for (const id of [...running.keys()]) stop(id);
    };
  });
}

/** `deregister` once the check has been critical for DeregisterCriticalServiceAfter without a break. */
function deregistrations(state$: Observable<ProbeResult>, checkId: string, spec: CheckSpec, scheduler: SchedulerLike): Observable<HealthEvent> {
  const after = spec.deregisterCriticalServiceAfterMs;
  const serviceId = spec.serviceId;
  if (after === undefined || !serviceId) return EMPTY;
  return state$.pipe(
    map((s) => s.status === 'critical'),
    distinctUntilChanged(),
    switchMap((critical) => (critical ? timer(after, scheduler).pipe(map((): HealthEvent => ({ type: 'deregister', serviceId, checkId }))) : EMPTY)),
  );
}

function withFloors(spec: CheckSpec, minIntervalMs: number, minDeregisterMs: number, logger: Logger): CheckSpec {
  let out = spec;
  if (spec.type !== 'ttl' && spec.intervalMs < minIntervalMs) {
    logger.warn({ checkId: spec.checkId, intervalMs: spec.intervalMs, minIntervalMs }, 'check interval below minimum, raised');
    out = { ...spec, intervalMs: minIntervalMs };
  }
  const d = spec.deregisterCriticalServiceAfterMs;
  if (d !== undefined && d < minDeregisterMs) {
    logger.warn({ checkId: spec.checkId, deregisterAfterMs: d, minDeregisterMs }, 'DeregisterCriticalServiceAfter below minimum, raised');
    out = { ...out, deregisterCriticalServiceAfterMs: minDeregisterMs };
  }
  return out;
}

/** A check's definition without its runtime state: a change here restarts the check. */
function definitionKey(spec: CheckSpec): string {
  const { status: _s, output: _o, ...def } = spec;
  return stableStringify(def);
}

function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}
