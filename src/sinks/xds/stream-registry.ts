import { Observable, Subject } from 'rxjs';
import type { StreamView } from './stream-machine.js';
import type { StreamStatus } from './stream-status.js';

/** The fixed part of a stream's status: who it is. */
export type StreamIdentity = Omit<StreamStatus, 'types' | 'sent'>;

interface Entry {
  readonly identity: StreamIdentity;
  state: unknown;
  view: (state: never) => StreamView;
  cached?: { readonly state: unknown; readonly status: StreamStatus };
}

/**
 * Live per-stream state for operators. Streams report each new machine state (cheap: a reference);
 * statuses are derived only when someone watches `streams$`, once per burst of changes (changes
 * made in one synchronous run are published together, in a microtask), and a stream's status is
 * rebuilt only if its state changed. With nobody watching, a push to 1000 streams costs nothing here.
 */
export class StreamRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly changes = new Subject<void>();
  private current: ReadonlyMap<string, StreamStatus> | undefined;
  private scheduled = false;

  readonly streams$: Observable<ReadonlyMap<string, StreamStatus>> = new Observable((subscriber) => {
    subscriber.next(this.snapshot());
    return this.changes.subscribe({
      next: () => subscriber.next(this.snapshot()),
      complete: () => subscriber.complete(),
    });
  });

  add<S>(identity: StreamIdentity, state: S, view: (state: S) => StreamView): void {
    this.entries.set(identity.streamId, { identity, state, view: view as (state: never) => StreamView });
    this.changed();
  }

  update(streamId: string, state: unknown): void {
    const e = this.entries.get(streamId);
    if (!e || e.state === state) return;
    e.state = state;
    this.changed();
  }

  remove(streamId: string): void {
    if (this.entries.delete(streamId)) this.changed();
  }

  /** The current statuses (built on demand). */
  snapshot(): ReadonlyMap<string, StreamStatus> {
    if (this.current) return this.current;
    const out = new Map<string, StreamStatus>();
    for (const [id, e] of this.entries) {
      if (!e.cached || e.cached.state !== e.state) {
        e.cached = { state: e.state, status: { ...e.identity, ...e.view(e.state as never) } };
      }
      out.set(id, e.cached.status);
    }
    return (this.current = out);
  }

  close(): void {
    this.entries.clear();
    this.current = undefined;
    this.changes.next();
    this.changes.complete();
  }

  private changed(): void {
    this.current = undefined;
    if (this.scheduled || !this.changes.observed) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.changes.closed) this.changes.next();
    });
  }
}
