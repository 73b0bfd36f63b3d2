import { finalize, ReplaySubject, share, timer, type Observable, type SchedulerLike } from 'rxjs';

/**
 * One shared Observable per key, created on first use and forgotten when its last subscriber has been
 * gone for `keepAliveMs` (0: until the scheduler's next turn, so a switchMap that drops and takes the
 * same key again in one go does not tear it down). Late subscribers get the latest value at once.
 */
export function sharedFamily<T>(make: (key: string) => Observable<T>, scheduler: SchedulerLike, keepAliveMs = 0): (key: string) => Observable<T> {
  const memo = new Map<string, Observable<T>>();
  return (key) => {
    let obs = memo.get(key);
    if (!obs) {
      const created: Observable<T> = make(key).pipe(
        finalize(() => {
          if (memo.get(key) === created) memo.delete(key);
        }),
        share({
          connector: () => new ReplaySubject<T>(1),
          resetOnError: true,
          resetOnComplete: true,
          resetOnRefCountZero: () => timer(keepAliveMs, scheduler),
        }),
      );
      obs = created;
      memo.set(key, obs);
    }
    return obs;
  };
}
