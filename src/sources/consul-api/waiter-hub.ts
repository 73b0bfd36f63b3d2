import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { Slice } from '../catalog/slice.js';

/** One blocking query parked on a hub: answered with the first slice past `minIndex`, or the current one at `deadline`. */
export interface Waiter<T> {
  readonly minIndex: number;
  /** Scheduler time (ms) at which the wait ends. */
  readonly deadline: number;
  readonly answer: (slice: Slice<T>) => void;
  readonly fail: (err: unknown) => void;
}

/**
 * The blocking queries waiting on one slice Observable. However many wait, the hub holds one subscription
 * to the slice and one scheduled action (for the earliest deadline): a change releases every waiter in
 * one loop, with no per-waiter subscription or timer to tear down. `awaitSlice` (blocking-query.ts) states
 * the same semantics for one waiter.
 */
export interface WaiterHub<T> {
  /** Parks `waiter`, or answers it at once: true when it was parked. */
  add(waiter: Waiter<T>): boolean;
  /** Takes a parked `waiter` back out unanswered (its client went away). */
  remove(waiter: Waiter<T>): void;
  /** Answers a parked `waiter` now with the current slice, as if its wait had ended (shutdown). */
  answerNow(waiter: Waiter<T>): void;
  /** How many are parked (for tests). */
  readonly size: number;
}

export function createWaiterHub<T>(slice$: Observable<Slice<T>>, scheduler: SchedulerLike): WaiterHub<T> {
  const waiters = new Set<Waiter<T>>();
  let current: Slice<T> | undefined;
  let sub: Subscription | undefined;
  let subscribing = false;
  let timer: Subscription | undefined;
  let timerAt = Infinity;

  const ready = (w: Waiter<T>, slice: Slice<T>): boolean => w.minIndex <= 0 || slice.index > w.minIndex;

  const release = (slice: Slice<T>): void => {
    current = slice;
    for (const w of waiters) {
      if (ready(w, slice)) {
        waiters.delete(w);
        w.answer(slice);
      }
    }
    idleCheck();
  };

  const expire = (): void => {
    timer = undefined;
    timerAt = Infinity;
    const now = scheduler.now();
    let next = Infinity;
    for (const w of waiters) {
      if (w.deadline <= now) {
        waiters.delete(w);
        if (current) w.answer(current);
        else w.fail(new Error('the wait ended before the catalog answered'));
      } else if (w.deadline < next) next = w.deadline;
    }
    if (next !== Infinity) arm(next);
    idleCheck();
  };

  const arm = (at: number): void => {
    if (at >= timerAt) return;
    timer?.unsubscribe();
    timerAt = at;
    timer = scheduler.schedule(expire, Math.max(0, at - scheduler.now()));
  };

  const stop = (): void => {
    timer?.unsubscribe();
    timer = undefined;
    timerAt = Infinity;
    current = undefined;
    const s = sub;
    sub = undefined;
    s?.unsubscribe();
  };

  const idleCheck = (): void => {
    if (waiters.size === 0 && !subscribing) stop();
  };

  const fail = (err: unknown): void => {
    const all = [...waiters];
    waiters.clear();
    subscribing = false;
    stop();
    for (const w of all) w.fail(err);
  };

  return {
    add(waiter) {
      waiters.add(waiter);
      if (!sub && !subscribing) {
        subscribing = true;
        const s = slice$.subscribe({
          next: release,
          error: fail,
          complete: () => fail(new Error('the catalog ended')),
        });
        if (!subscribing) s.unsubscribe(); // failed while subscribing
        else {
          subscribing = false;
          sub = s;
        }
        idleCheck();
      } else if (current && ready(waiter, current)) {
        waiters.delete(waiter);
        waiter.answer(current);
        idleCheck();
      }
      if (!waiters.has(waiter)) return false;
      arm(waiter.deadline);
      return true;
    },
    remove(waiter) {
      if (waiters.delete(waiter)) idleCheck();
    },
    answerNow(waiter) {
      if (!waiters.delete(waiter)) return;
      if (current) waiter.answer(current);
      else waiter.fail(new Error('the wait ended before the catalog answered'));
      idleCheck();
    },
    get size() {
      return waiters.size;
    },
  };
}
