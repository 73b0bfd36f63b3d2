import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * A global cap on snapshot builds and deliveries per second, shared by every proxy pipeline of a process
 * (Consul added one after a wildcard intention change with 5k streams starved its servers). A token
 * bucket refilled at `perSecond` and holding up to one second's worth: a proxy's new state takes a token
 * and passes at once, or waits for the next free token on the scheduler; while it waits, newer states of
 * the same proxy replace the waiting one (latest wins), so a storm costs at most `perSecond` builds a
 * second and every proxy still ends up with its latest state. Waiting proxies are served first come,
 * first served.
 */
export class DeliveryLimiter {
  private tokens: number;
  private refilledAt: number;
  private readonly queue: Array<() => void> = [];
  private timer: Subscription | undefined;
  /** States that had to wait for a token (for metrics and tests). */
  delayed = 0;

  constructor(
    private readonly perSecond: number,
    private readonly scheduler: SchedulerLike,
  ) {
    this.tokens = this.capacity;
    this.refilledAt = scheduler.now();
  }

  private get capacity(): number {
    return Math.max(1, this.perSecond);
  }

  private refill(): void {
    const now = this.scheduler.now();
    if (!(this.perSecond > 0) || !Number.isFinite(this.perSecond)) {
      this.tokens = this.capacity;
    } else {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    }
    this.refilledAt = now;
  }

  private take(): boolean {
    if (!Number.isFinite(this.perSecond) || this.perSecond <= 0) return true; // no cap
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Serves the waiting proxies in order while tokens last, then sleeps until the next token. */
  private drain = (): void => {
    this.timer = undefined;
    while (this.queue.length > 0 && this.take()) this.queue.shift()!();
    if (this.queue.length > 0) {
      const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
      this.timer = this.scheduler.schedule(this.drain, waitMs);
    }
  };

  /** The operator one proxy pipeline applies to its (coalesced) states. */
  limit<T>(): MonoTypeOperatorFunction<T> {
    return (source) =>
      new Observable<T>((subscriber) => {
        let waiting: { value: T } | undefined;
        let queued = false;
        let completed = false;
        const release = () => {
          queued = false;
          if (!waiting) return;
          const { value } = waiting;
          waiting = undefined;
          subscriber.next(value);
          if (completed) subscriber.complete();
        };
        const sub = source.subscribe({
          next: (value) => {
            if (queued) {
              waiting = { value };
              return;
            }
            if (this.queue.length === 0 && this.take()) {
              subscriber.next(value);
              return;
            }
            this.delayed++;
            waiting = { value };
            queued = true;
            this.queue.push(release);
            this.timer ??= this.scheduler.schedule(this.drain, 0);
          },
          error: (err) => subscriber.error(err),
          complete: () => {
            completed = true;
            if (!queued) subscriber.complete();
          },
        });
        return () => {
          sub.unsubscribe();
          if (queued) {
            const i = this.queue.indexOf(release);
            if (i >= 0) this.queue.splice(i, 1);
          }
        };
      });
  }
}
