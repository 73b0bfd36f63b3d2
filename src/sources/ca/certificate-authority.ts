import {
  asyncScheduler,
  BehaviorSubject,
  distinctUntilChanged,
  expand,
  finalize,
  map,
  of,
  ReplaySubject,
  share,
  Subject,
  switchMap,
  takeUntil,
  tap,
  throwError,
  timer,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { silentLogger, type Logger } from '../../core/logger.js';
import { caRootsOf, sameCaRoots } from './ca-roots.js';
import {
  CaError,
  DEFAULT_LEAF_TTL_MS,
  DEFAULT_ROOT_TTL_MS,
  type CaRootRecord,
  type CaRoots,
  type CaState,
  type CertIssuer,
  type Leaf,
} from './ca-types.js';
import type { CertificateAuthorityOptions } from './certificate-authority-options.js';
import { CaStateSaver } from './ca-state-saver.js';
import { renewalTime, rotationDelay } from './leaf-renewal.js';
import { pruneRoots, rotatedState } from './root-retention.js';
import { serviceNameProblem } from './spiffe-id.js';
import { adoptState, sameCaState } from './follow-ca-state.js';
import { MAX_TIMER_MS, waitUntil } from './wait-until.js';
import { issueLeaf$ } from './issue-leaf.js';

export type { CertificateAuthorityOptions } from './certificate-authority-options.js';

/**
 * The built-in certificate authority. `leaf$(service)` is that service's current leaf, shared by every
 * subscriber and renewed at a jittered 60–90% of its life; `roots$` is the trust bundle. After
 * `rotateRoot()` the new root signs every new leaf, subscribed leaves are re-issued within a jittered
 * window, and the old root stays in the bundle until no leaf it signed is in use (all renewed or
 * expired). All timing runs on the injected scheduler and clock.
 *
 * Several replicas sharing a store: when the persistence reports states saved by others (`changes$`),
 * the CA follows them (see {@link adoptState}): a rotation made elsewhere updates `roots$` and re-issues
 * subscribed leaves as `rotateRoot()` does, and later saves build on the adopted state.
 */
export class CertificateAuthority {
  readonly roots$: Observable<CaRoots>;

  private readonly issuer: CertIssuer;
  private readonly scheduler: SchedulerLike;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly leafTtlMs: number;
  private readonly rootTtlMs: number;
  private readonly rotationSpreadMs: number;
  private readonly graceMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly logger: Logger;
  /** The trust domain this CA was started with (a replica's configuration). */
  private readonly configuredTrustDomain: string;

  private latest: CaState;
  private emitting = false;
  private readonly state$: BehaviorSubject<CaState>;
  private readonly closed$ = new Subject<void>();
  private closed = false;
  /** The current (last issued, not yet expired) leaf per service: reused by new subscribers. */
  private readonly leaves = new Map<string, Leaf>();
  private readonly renewAt = new WeakMap<Leaf, number>();
  private readonly leafStreams = new Map<string, Observable<Leaf>>();
  private readonly untracked = new Map<string, number>();
  private pruneTimer: Subscription | undefined;
  private readonly saver: CaStateSaver;
  private rotations: Promise<unknown> = Promise.resolve();

  constructor(options: CertificateAuthorityOptions) {
    this.issuer = options.issuer;
    this.scheduler = options.scheduler ?? asyncScheduler;
    const scheduler = this.scheduler;
    this.now = options.now ?? (() => scheduler.now());
    this.random = options.random ?? Math.random;
    this.leafTtlMs = options.leafTtlMs ?? DEFAULT_LEAF_TTL_MS;
    this.rootTtlMs = options.rootTtlMs ?? DEFAULT_ROOT_TTL_MS;
    this.rotationSpreadMs = options.rotationSpreadMs ?? 30_000;
    this.graceMs = options.graceMs ?? 10_000;
    this.retryMinMs = options.retryMinMs ?? 1_000;
    this.retryMaxMs = options.retryMaxMs ?? 60_000;
    this.logger = options.logger ?? silentLogger;
    this.configuredTrustDomain = options.state.trustDomain;

    const now = this.now();
    for (const r of options.state.roots) {
      if (!options.restored) continue;
      // Leaves signed before the restart are not tracked: the active root's may live a whole TTL from
      // now (by the longer of the old and new TTLs); an inactive root's as long as recorded at rotation.
      if (r.id === options.state.activeRootId) this.untracked.set(r.id, now + Math.max(this.leafTtlMs, options.state.leafTtlMs));
      else if (r.leavesValidUntil !== undefined) this.untracked.set(r.id, r.leavesValidUntil);
    }
    const sameTtl = options.state.leafTtlMs === this.leafTtlMs;
    this.latest = sameTtl ? options.state : Object.freeze({ ...options.state, leafTtlMs: this.leafTtlMs });
    this.saver = new CaStateSaver(options.persistence, this.logger, sameTtl ? options.state : undefined);
    this.state$ = new BehaviorSubject(this.latest);
    this.roots$ = this.state$.pipe(map(caRootsOf), distinctUntilChanged(sameCaRoots));
    this.prune();
    options.persistence?.changes$?.pipe(takeUntil(this.closed$)).subscribe({
      next: (state) => this.follow(state),
      error: (err: unknown) => this.logger.error({ err }, 'following the CA state in the store stopped'),
    });
  }

  /** The trust bundle now. */
  roots(): CaRoots {
    return caRootsOf(this.latest);
  }

  get trustDomain(): string {
    return this.latest.trustDomain;
  }

  /**
   * The current leaf of `service`, then each renewal. Shared per service (one timer set however many
   * subscribers), kept `graceMs` after the last one leaves. A bad service name errors with CaError.
   */
  leaf$(service: string): Observable<Leaf> {
    const problem = serviceNameProblem(service);
    if (problem) return throwError(() => new CaError(problem));
    if (this.closed) return throwError(() => new CaError('the certificate authority is closed'));
    let stream = this.leafStreams.get(service);
    if (!stream) {
      stream = this.createLeafStream(service);
      this.leafStreams.set(service, stream);
    }
    return stream;
  }

  /**
   * Creates a new root and makes it the active one (saved before it is used). Resolves with the new
   * bundle, which still holds the old root while leaves it signed are in use.
   */
  rotateRoot(): Promise<CaRoots> {
    const run = async (): Promise<CaRoots> => {
      this.assertOpen();
      const root = await this.issuer.createRoot({ trustDomain: this.latest.trustDomain, now: this.now(), ttlMs: this.rootTtlMs });
      this.assertOpen();
      // Durable first: no leaf is signed by a root that a crash could lose.
      await this.saver.save(() => rotatedState(this.latest, root, this.leaves.values(), this.untracked));
      this.activateRoot(root);
      await this.flush();
      return this.roots();
    };
    const result = this.rotations.then(run, run);
    this.rotations = result.catch(() => undefined);
    return result;
  }

  /**
   * The synchronous step of a rotation: `root` (made by the issuer) becomes active now. For callers
   * that bring their own root; `rotateRoot()` uses it after saving.
   */
  activateRoot(root: CaRootRecord): void {
    this.assertOpen();
    if (this.latest.roots.some((r) => r.id === root.id)) throw new CaError(`root ${root.id} is already in the trust bundle`);
    const rotated = rotatedState(this.latest, root, this.leaves.values(), this.untracked);
    this.logger.info({ rootId: root.id, previous: this.latest.activeRootId }, 'CA root rotated');
    this.setState(pruneRoots(rotated, this.leaves.values(), this.untracked, this.now()).state);
    this.prune();
  }

  /** Resolves when every state change so far is saved (rejects if the last save failed). */
  flush(): Promise<void> {
    return this.saver.save(() => this.latest);
  }

  /** Stops every timer, completes `roots$` and every leaf stream, and waits for pending saves. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pruneTimer?.unsubscribe();
    this.pruneTimer = undefined;
    this.closed$.next();
    this.closed$.complete();
    this.state$.complete();
    await this.flush().catch(() => undefined);
  }

  private createLeafStream(service: string): Observable<Leaf> {
    const stream: Observable<Leaf> = this.state$.pipe(
      map((s) => s.activeRootId),
      distinctUntilChanged(),
      switchMap((rootId, i) => this.leafLifecycle(service, rootId, i > 0)),
      takeUntil(this.closed$),
      finalize(() => {
        if (this.leafStreams.get(service) === stream) this.leafStreams.delete(service);
      }),
      share({
        connector: () => new ReplaySubject<Leaf>(1),
        resetOnRefCountZero: () => timer(this.graceMs, this.scheduler),
        // A finished stream stays finished (its map entry is gone, so leaf$ makes a new one); resetting
        // here would start a pointless grace timer.
        resetOnError: false,
        resetOnComplete: false,
      }),
    );
    return stream;
  }

  /** The leaves of one service while `rootId` is active: the first (cached or new), then renewals. */
  private leafLifecycle(service: string, rootId: string, afterRotation: boolean): Observable<Leaf> {
    const cached = this.leaves.get(service);
    const now = this.now();
    let first$: Observable<Leaf>;
    if (cached && cached.rootId === rootId && this.renewalOf(cached) > now) {
      first$ = of(cached);
    } else if (afterRotation && cached && cached.validBefore > now) {
      // Still valid and trusted (its root stays in the bundle): re-issue soon, spread out.
      const delay = Math.min(rotationDelay(this.rotationSpreadMs, this.random()), this.renewalOf(cached) - now);
      first$ = this.issueAfter(service, delay);
    } else {
      first$ = this.issue$(service);
    }
    return first$.pipe(expand((leaf) => this.issueAfter(service, this.renewalOf(leaf) - this.now())));
  }

  private issueAfter(service: string, delay: number): Observable<Leaf> {
    return waitUntil(this.now() + delay, this.now, this.scheduler).pipe(switchMap(() => this.issue$(service)));
  }

  /** One leaf from the active root (failures are logged and retried with back-off), recorded. */
  private issue$(service: string): Observable<Leaf> {
    const { issuer, scheduler, now, leafTtlMs, retryMinMs, retryMaxMs, logger } = this;
    return issueLeaf$(service, () => this.latest, { issuer, scheduler, now, leafTtlMs, retryMinMs, retryMaxMs, logger }).pipe(tap((leaf) => this.recordLeaf(leaf)));
  }

  private recordLeaf(leaf: Leaf): void {
    this.renewAt.set(leaf, renewalTime(leaf, this.random()));
    this.leaves.set(leaf.service, leaf);
    this.logger.debug({ service: leaf.service, serial: leaf.serialNumber, rootId: leaf.rootId }, 'leaf certificate issued');
    this.prune();
  }

  private renewalOf(leaf: Leaf): number {
    let at = this.renewAt.get(leaf);
    if (at === undefined) {
      at = renewalTime(leaf, this.random());
      this.renewAt.set(leaf, at);
    }
    return at;
  }

  /** Drops expired leaves and the roots nothing in use was signed by; sets a timer for the next. */
  private prune(): void {
    if (this.closed) return;
    const now = this.now();
    for (const [service, leaf] of this.leaves) if (leaf.validBefore <= now) this.leaves.delete(service);
    const { state, nextCheckAt } = pruneRoots(this.latest, this.leaves.values(), this.untracked, now);
    if (state !== this.latest) {
      for (const id of this.untracked.keys()) if (!state.roots.some((r) => r.id === id)) this.untracked.delete(id);
      this.logger.info({ roots: state.roots.map((r) => r.id) }, 'CA roots no longer needed left the trust bundle');
      this.setState(state);
    }
    this.pruneTimer?.unsubscribe();
    if (nextCheckAt !== undefined) {
      this.pruneTimer = this.scheduler.schedule(() => this.prune(), Math.min(MAX_TIMER_MS, Math.max(0, nextCheckAt - now)));
    } else {
      this.pruneTimer = undefined;
    }
  }

  /** A state another replica saved: taken with what this CA adds to it (saved if anything). */
  private follow(foreign: CaState): void {
    if (this.closed) return;
    const own = this.latest;
    if (sameCaState(foreign, own)) return this.saver.markSaved(own);
    const now = this.now();
    const { state, untracked } = adoptState(foreign, own, this.leaves.values(), this.untracked, now, this.leafTtlMs);
    this.saver.markSaved(foreign);
    if (foreign.trustDomain !== own.trustDomain && foreign.trustDomain !== this.configuredTrustDomain) {
      this.logger.warn(
        { configured: this.configuredTrustDomain, store: foreign.trustDomain },
        `the mesh's CA state has trust domain ${foreign.trustDomain}, this replica is configured with ${this.configuredTrustDomain}: following the store (one mesh has one trust domain)`,
      );
    }
    this.untracked.clear();
    for (const [id, until] of untracked) this.untracked.set(id, until);
    this.logger.info({ rootId: foreign.activeRootId, previous: own.activeRootId, roots: state.roots.map((r) => r.id) }, 'CA state changed by another replica: following it');
    this.setState(pruneRoots(state, this.leaves.values(), this.untracked, now).state);
    this.prune();
  }

  /** Emits states in order even when a subscriber's reaction changes the state again. */
  private setState(next: CaState): void {
    this.latest = next;
    if (!this.emitting) {
      this.emitting = true;
      try {
        while (!this.closed && this.state$.getValue() !== this.latest) this.state$.next(this.latest);
      } finally {
        this.emitting = false;
      }
    }
    this.saver.saveInBackground(() => this.latest);
  }

  private assertOpen(): void {
    if (this.closed) throw new CaError('the certificate authority is closed');
  }
}
