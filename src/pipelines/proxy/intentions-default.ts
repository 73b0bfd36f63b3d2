import { distinctUntilChanged, isObservable, of, shareReplay, type Observable } from 'rxjs';

/**
 * Intentions' default (true: allow, as with ACL default_policy allow): a fixed value for embedders, or an
 * Observable that follows the configuration (the daemon maps its ACL source's default policy).
 */
export type IntentionsDefault = boolean | Observable<boolean>;

/**
 * The default as a stream every proxy pipeline can share: equal values are dropped, the latest is replayed
 * to late subscribers, and the source is subscribed once while any pipeline listens. Absent: allow.
 */
export function intentionsDefault$(value: IntentionsDefault | undefined): Observable<boolean> {
  if (!isObservable(value)) return of(value ?? true);
  return value.pipe(distinctUntilChanged(), shareReplay({ bufferSize: 1, refCount: true }));
}
