import { firstValueFrom, filter, timeout, type Observable } from 'rxjs';

/** Rejects with a message naming what was awaited when `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** The first value of `source` that satisfies `predicate`, or a rejection naming `what` after `ms`. */
export function waitFor<T>(source: Observable<T>, predicate: (value: T) => boolean, what: string, ms = 5000): Promise<T> {
  return firstValueFrom(
    source.pipe(
      filter(predicate),
      timeout({
        first: ms,
        with: () => {
          throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        },
      }),
    ),
  );
}

/** A promise with its resolve/reject exposed (Promise.withResolvers is Node 22+). */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

