import type { StatusObject } from '@grpc/grpc-js';

const QUIET = 'message (quiet window)';

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Messages received on one stream, consumed in order by awaiting `next`. A failure (a message that broke
 * a protocol invariant, or the stream ending) rejects the waiting and all later `next` calls.
 */
export class StreamQueue<T> {
  private readonly buffered: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private failure: Error | undefined;
  private status: StatusObject | undefined;
  private readonly endWaiters: Array<(s: StatusObject) => void> = [];

  push(value: T): void {
    if (this.failure) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(value);
    } else {
      this.buffered.push(value);
    }
  }

  /** Every later `next` rejects with `error`; messages already buffered are still delivered first. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }

  /** Records how the stream ended (once) and fails pending reads. */
  end(status: StatusObject): void {
    if (this.status) return;
    this.status = status;
    this.fail(new Error(`stream ended: code ${status.code} ${status.details}`));
    for (const w of this.endWaiters.splice(0)) w(status);
  }

  /** How the stream ended, once it has. */
  get endStatus(): StatusObject | undefined {
    return this.status;
  }

  /** Resolves with the final status when the stream ends. */
  ended(): Promise<StatusObject> {
    if (this.status) return Promise.resolve(this.status);
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  get size(): number {
    return this.buffered.length;
  }

  next(timeoutMs: number, what: string): Promise<T> {
    const value = this.buffered.shift();
    if (value !== undefined) return Promise.resolve(value);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new Error(`no ${what} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Resolves after `ms` if nothing arrived meanwhile; rejects with `describe(message)` if something did.
   * The one place a quiet window is used: to show that the server did not answer.
   */
  async expectNothing(ms: number, describe: (value: T) => string): Promise<void> {
    if (this.buffered.length > 0) throw new Error(`unexpected ${describe(this.buffered[0] as T)}`);
    let got: T;
    try {
      got = await this.next(ms, QUIET);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith(`no ${QUIET} within`)) return;
      throw e; // the stream failed or ended instead of staying quiet
    }
    throw new Error(`unexpected ${describe(got)}`);
  }

  /** The next message if one comes within `ms`, else undefined (a quiet window, like `expectNothing`). */
  async maybeNext(ms: number): Promise<T | undefined> {
    try {
      return await this.next(ms, QUIET);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith(`no ${QUIET} within`)) return undefined;
      throw e;
    }
  }
}
