import { last, takeUntil, takeWhile, take, timer, type Observable, type SchedulerLike } from 'rxjs';
import { badRequest } from '../../core/http/http-error.js';
import type { Slice } from '../catalog/slice.js';
import { durationMs } from '../config-entries/duration.js';

/** Consul's defaults: a blocking query waits 5 minutes unless told otherwise, never more than 10. */
export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;

export interface BlockingParams {
  /** 0: answer at once. */
  readonly index: number;
  /** The wait, capped and with Consul's jitter (up to wait/16) added. */
  readonly waitMs: number;
}

/**
 * `?index=N&wait=30s` as Consul reads them: a missing index (or 0) does not block; `wait` (a Go duration;
 * missing or 0 means the default) defaults to 5m,
 * is capped at 10m, and gets a random extra of up to wait/16 so that many waiters do not all wake at once.
 */
export function parseBlockingParams(query: URLSearchParams, random: () => number = Math.random): BlockingParams {
  const rawIndex = query.get('index');
  let index = 0;
  if (rawIndex !== null && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex)) throw badRequest(`Invalid index: ${JSON.stringify(rawIndex)} is not a non-negative integer`);
    index = Math.min(Number(rawIndex), Number.MAX_SAFE_INTEGER);
  }
  const rawWait = query.get('wait');
  let wait = DEFAULT_WAIT_MS;
  if (rawWait !== null && rawWait !== '') {
    const ms = durationMs(rawWait);
    if (ms === undefined || ms < 0) throw badRequest(`Invalid wait time: ${JSON.stringify(rawWait)} (use e.g. "30s", "5m")`);
    if (ms > 0) wait = ms;
  }
  wait = Math.min(wait, MAX_WAIT_MS);
  return { index, waitMs: wait + random() * (wait / 16) };
}

/**
 * A blocking query over a slice: the current slice at once if `minIndex` is 0 or the slice's index is
 * already greater than it; otherwise the first slice whose index is greater, or, when `waitMs` ends,
 * the current slice (same index). `slice$` must replay its current value on subscribe.
 */
export function awaitSlice<T>(
  slice$: Observable<Slice<T>>,
  minIndex: number,
  waitMs: number,
  scheduler: SchedulerLike,
): Observable<Slice<T>> {
  if (minIndex <= 0) return slice$.pipe(take(1));
  return slice$.pipe(
    takeWhile((s) => s.index <= minIndex, true),
    takeUntil(timer(waitMs, scheduler)),
    last(),
  );
}
