import { distinctUntilChanged, Observable } from 'rxjs';

/** Something {@link runWhileLeader} starts and stops. */
export interface Stoppable {
  stop(): void;
}

/**
 * Runs what `start()` starts only while `leader$` says this replica leads: starts it on true, stops it on
 * false, never starts it twice, and stops it when `leader$` ends or errors or the result is unsubscribed.
 *
 * Emits the running thing when it starts and `undefined` when it stops (and first, if `leader$` starts
 * with false), so callers can follow the role (log it, report it, forward calls to the running one).
 * All timing is `leader$`'s: this adds none.
 */
export function runWhileLeader<T extends Stoppable>(leader$: Observable<boolean>, start: () => T): Observable<T | undefined> {
  return new Observable<T | undefined>((subscriber) => {
    let running: T | undefined;
    let seen = false;
    const stop = () => {
      const r = running;
      running = undefined;
      r?.stop();
    };
    const sub = leader$.pipe(distinctUntilChanged()).subscribe({
      next(lead) {
        if (lead && !running) {
          running = start();
          subscriber.next(running);
        } else if (!lead && (running || !seen)) {
          stop();
          subscriber.next(undefined);
        }
        seen = true;
      },
      error(err: unknown) {
        stop();
        subscriber.error(err);
      },
      complete() {
        stop();
        subscriber.complete();
      },
    });
    return () => {
      sub.unsubscribe();
      stop();
    };
  });
}
