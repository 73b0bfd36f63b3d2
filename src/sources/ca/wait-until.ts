import { defer, of, switchMap, timer, type Observable, type SchedulerLike } from 'rxjs';

/** The longest delay a Node timer takes (2^31 - 1 ms); longer waits are taken in steps. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Emits once (then completes) when the clock `now` reaches `at`: at once if it has, otherwise after
 * timers on `scheduler`, in steps a JS timer can take (Node fires longer ones at once).
 */
export function waitUntil(at: number, now: () => number, scheduler: SchedulerLike): Observable<void> {
  return defer(() => {
    const delay = at - now();
    if (delay <= 0) return of(undefined);
    return timer(Math.min(delay, MAX_TIMER_MS), scheduler).pipe(switchMap(() => waitUntil(at, now, scheduler)));
  });
}
