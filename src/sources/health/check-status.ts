import {
  catchError,
  concat,
  defaultIfEmpty,
  defer,
  EMPTY,
  finalize,
  map,
  of,
  repeat,
  startWith,
  switchMap,
  take,
  timeout,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import {
  effectiveTimeoutMs,
  type CheckSpec,
  type IntervalCheckSpec,
  type Probes,
  type ProbeResult,
  type TtlCheckSpec,
  type TtlUpdate,
} from './check-spec.js';

/** Consul's output of an expired TTL check. */
export function ttlExpiredOutput(lastOutput: string): string {
  return lastOutput === '' ? 'TTL expired' : `TTL expired (last output before timeout follows): ${lastOutput}`;
}

/**
 * The results of a TTL check: each update as it comes, and "TTL expired" (critical) when `ttlMs` passes
 * without one. The timer starts at subscription (a TTL check that is never updated expires once).
 */
export function ttlResults(spec: TtlCheckSpec, updates$: Observable<TtlUpdate>, scheduler: SchedulerLike): Observable<ProbeResult> {
  return updates$.pipe(
    map((u): ProbeResult => ({ status: u.status, output: u.output ?? '' })),
    startWith(undefined),
    switchMap((update) =>
      concat(
        update ? of(update) : EMPTY,
        timer(spec.ttlMs, scheduler).pipe(map((): ProbeResult => ({ status: 'critical', output: ttlExpiredOutput(update?.output ?? '') }))),
      ),
    ),
  );
}

/**
 * The results of an HTTP/TCP/gRPC check: a probe at once, then one `intervalMs` after each probe ends. A probe
 * that does not answer within its timeout is critical (and aborted); a probe that throws is critical with the
 * error as output.
 */
export function intervalResults(spec: IntervalCheckSpec, probes: Probes, scheduler: SchedulerLike): Observable<ProbeResult> {
  const timeoutMs = effectiveTimeoutMs(spec);
  const once = defer(() => {
    const abort = new AbortController();
    const probe$: Observable<ProbeResult> = defer(() => runProbe(spec, probes, abort.signal));
    return probe$.pipe(
      take(1),
      defaultIfEmpty<ProbeResult, ProbeResult>({ status: 'critical', output: `${describeTarget(spec)}: the probe gave no result` }),
      timeout({
        first: timeoutMs,
        scheduler,
        with: () => of<ProbeResult>({ status: 'critical', output: `${describeTarget(spec)}: timed out after ${timeoutMs} ms` }),
      }),
      catchError((e: unknown) => of<ProbeResult>({ status: 'critical', output: `${describeTarget(spec)}: ${errorText(e)}` })),
      finalize(() => abort.abort()),
    );
  });
  return once.pipe(repeat({ delay: () => timer(spec.intervalMs, scheduler) }));
}

function runProbe(spec: IntervalCheckSpec, probes: Probes, signal: AbortSignal) {
  switch (spec.type) {
    case 'http':
      return probes.http(spec, signal);
    case 'tcp':
      return probes.tcp(spec, signal);
    case 'grpc':
      return probes.grpc(spec, signal);
  }
}

function describeTarget(spec: IntervalCheckSpec): string {
  switch (spec.type) {
    case 'http':
      return `HTTP ${spec.method ?? 'GET'} ${spec.http}`;
    case 'tcp':
      return `TCP connect ${spec.tcp}`;
    case 'grpc':
      return `gRPC check ${spec.grpc}`;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The raw results of any check (TTL or probed). */
export function checkResults(
  spec: CheckSpec,
  deps: { probes: Probes; scheduler: SchedulerLike; ttlUpdates$: Observable<TtlUpdate> },
): Observable<ProbeResult> {
  return spec.type === 'ttl' ? ttlResults(spec, deps.ttlUpdates$, deps.scheduler) : intervalResults(spec, deps.probes, deps.scheduler);
}
