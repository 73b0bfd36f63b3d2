import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * Coalesces a stream of states, latest wins: the first value passes at once (a proxy that just connected
 * waits for nothing), then a change is emitted once the stream has been quiet for `debounceMs`, and at
 * the latest `maxWaitMs` after the first change that is still pending, so a continuous stream of changes
 * still gets through (Istio's debounce with a max wait; Consul's coalescing window). Timers run on
 * `scheduler`. A value `urgent(last emitted, value)` says cannot wait (a client asked for something new and
 * waits for the answer) is emitted at once. On completion a pending value is emitted first.
 * `onFlush(waitedMs)` is told, for every coalesced emission, how long its oldest change waited (scheduler time).
 */
export function coalesce<T>(
  debounceMs: number,
  maxWaitMs: number,
  scheduler: SchedulerLike,
  urgent?: (last: T, value: T) => boolean,
  onFlush?: (waitedMs: number) => void,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let first = true;
      let last: T;
      let pending: { value: T; since: number } | undefined;
      let quiet: Subscription | undefined;
      let deadline: Subscription | undefined;
      const flush = () => {
        quiet?.unsubscribe();
        deadline?.unsubscribe();
        quiet = deadline = undefined;
        if (!pending) return;
        const { value, since } = pending;
        pending = undefined;
        last = value;
        onFlush?.(scheduler.now() - since);
        subscriber.next(value);
      };
      const sub = source.subscribe({
        next(value) {
          if (first) {
            first = false;
            last = value;
            subscriber.next(value);
            return;
          }
          pending = { value, since: pending?.since ?? scheduler.now() };
          if (debounceMs <= 0 || urgent?.(last, value)) return flush();
          quiet?.unsubscribe();
          quiet = scheduler.schedule(flush, debounceMs);
          if (!deadline && maxWaitMs > 0) deadline = scheduler.schedule(flush, maxWaitMs);
        },
        error: (err) => subscriber.error(err),
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        quiet?.unsubscribe();
        deadline?.unsubscribe();
      };
    });
}
