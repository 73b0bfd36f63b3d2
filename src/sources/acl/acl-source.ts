import { BehaviorSubject, distinctUntilChanged, map, type Observable, type Subscription } from 'rxjs';
import type { AclConfig } from '../file/acl-config.js';
import type { FileSourceState } from '../file/file-source-state.js';
import { ACL_LOADING, aclState, type AclState } from './acl-state.js';
import type { Authorizer } from './authorizer.js';

/**
 * The ACL as a source: the state in force (replayed on subscribe, then every change) and synchronous
 * reads of it for request handlers. Until the configuration has been read, everything is refused.
 */
export interface AclSource {
  readonly state$: Observable<AclState>;
  current(): AclState;
  /** `current().authorize(secret)`. */
  authorize(secret: string | undefined): Authorizer;
  /** Stops following the configuration (the last state stays in force). */
  stop(): void;
}

/** Follows `config$` (undefined: no acl section, ACLs off). */
export function createAclSource(config$: Observable<AclConfig | undefined>): AclSource {
  const state = new BehaviorSubject<AclState>(ACL_LOADING);
  const sub: Subscription = config$.pipe(distinctUntilChanged(), map(aclState)).subscribe({
    next: (s) => state.next(s),
    error: () => {
      /* the last state stays in force; the file source reports its own failures */
    },
  });
  return {
    state$: state.asObservable(),
    current: () => state.value,
    authorize: (secret) => state.value.authorize(secret),
    stop: () => sub.unsubscribe(),
  };
}

/** The `acl` section in force across the declarative files (one file may declare it). */
export function aclConfigOf<S>(files$: Observable<FileSourceState<S>>): Observable<AclConfig | undefined> {
  return files$.pipe(
    map((s) => s.merged.acl),
    distinctUntilChanged(),
  );
}
