import jsonPatch, { type Operation } from 'fast-json-patch';
import { Observable, interval, type SchedulerLike, type Subscription } from 'rxjs';

/** What a watch stream sends: the whole document first, then RFC 6902 patches, and keep-alives. */
export type WatchEvent<T> =
  | { readonly type: 'config'; readonly config: T }
  | { readonly type: 'patch'; readonly patch: readonly Operation[] }
  | { readonly type: 'heartbeat' };

export interface WatchOptions {
  readonly scheduler: SchedulerLike;
  /** Heartbeat period; 0 or less: none. */
  readonly heartbeatMs: number;
  /**
   * Whether the client can take more now (the socket's buffer drained). While it cannot, documents are
   * not queued: only the latest is kept, and one patch from what the client last got to it is sent
   * when it can again. Default: always.
   */
  readonly writable$?: Observable<boolean>;
}

/**
 * Turns a stream of documents into watch events: `config` with the first, then a `patch` (made with
 * fast-json-patch `compare` against the last document the client was sent) per change; a document
 * equal to the last one sent produces nothing. Applying the patches in order to the first config gives
 * the latest document. Heartbeats every `heartbeatMs` on the scheduler (skipped while not writable).
 * Completes when the documents do.
 */
export function watchEvents<T extends object>(docs$: Observable<T>, options: WatchOptions): Observable<WatchEvent<T>> {
  return new Observable<WatchEvent<T>>((subscriber) => {
    let sent: T | undefined;
    let pending: T | undefined;
    let writable = true;
    const deliver = (doc: T) => {
      if (sent === undefined) {
        sent = doc;
        subscriber.next({ type: 'config', config: doc });
        return;
      }
      const patch = jsonPatch.compare(sent, doc);
      sent = doc;
      if (patch.length > 0) subscriber.next({ type: 'patch', patch });
    };
    const subs: Subscription[] = [];
    if (options.writable$) {
      subs.push(
        options.writable$.subscribe((w) => {
          writable = w;
          if (w && pending !== undefined) {
            const doc = pending;
            pending = undefined;
            deliver(doc);
          }
        }),
      );
    }
    if (options.heartbeatMs > 0) {
      subs.push(
        interval(options.heartbeatMs, options.scheduler).subscribe(() => {
          if (writable && sent !== undefined) subscriber.next({ type: 'heartbeat' });
        }),
      );
    }
    subs.push(
      docs$.subscribe({
        next: (doc) => {
          if (writable) deliver(doc);
          else pending = doc;
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
    return () => {
      for (const s of subs) s.unsubscribe();
    };
  });
}
