import { BehaviorSubject, type Observable } from 'rxjs';

export type SourceState = 'ok' | 'degraded';

/** One source as `GET /v1/rxds/sources` shows it. */
export interface SourceStatus {
  readonly Name: string;
  readonly State: SourceState;
  /** The most recent error, kept after the source recovers ('' if it never failed). */
  readonly LastError: string;
  /** The store index of the source's last change that reached the catalog (0 before the first). */
  readonly LastChangeIndex: number;
  /** What the source is doing, when it says (e.g. the `health` source's role among replicas). */
  readonly Detail?: string;
}

export interface SourceReport {
  readonly state: SourceState;
  /** Required with `degraded`; ignored with `ok`. */
  readonly error?: string;
  /** The store index at which this source last changed the catalog, if it just did. */
  readonly changeIndex?: number;
  /** Shown as `Detail` until the next report. */
  readonly detail?: string;
}

/**
 * Where sources (the store, each watched file, ...) report whether they are healthy. Injected into the
 * sources that report and into the HTTP API that shows it.
 */
export interface SourceStatusRegistry {
  report(name: string, report: SourceReport): void;
  /** Sorted by name. */
  list(): readonly SourceStatus[];
  readonly statuses$: Observable<readonly SourceStatus[]>;
}

export function createSourceStatusRegistry(): SourceStatusRegistry {
  const byName = new Map<string, SourceStatus>();
  const subject = new BehaviorSubject<readonly SourceStatus[]>([]);
  const snapshot = () => Object.freeze([...byName.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)));
  return {
    report(name, report) {
      const prev = byName.get(name);
      const next: SourceStatus = Object.freeze({
        Name: name,
        State: report.state,
        LastError: report.state === 'degraded' ? (report.error ?? 'unknown error') : (prev?.LastError ?? ''),
        LastChangeIndex: Math.max(report.changeIndex ?? 0, prev?.LastChangeIndex ?? 0),
        ...(report.detail !== undefined ? { Detail: report.detail } : {}),
      });
      if (prev && prev.State === next.State && prev.LastError === next.LastError && prev.LastChangeIndex === next.LastChangeIndex && prev.Detail === next.Detail) return;
      byName.set(name, next);
      subject.next(snapshot());
    },
    list: () => subject.value,
    statuses$: subject.asObservable(),
  };
}
