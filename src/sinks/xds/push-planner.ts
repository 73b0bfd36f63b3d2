import { PUSH_ORDER, TypeUrl } from '../../core/type-urls.js';
import type { Instant, TypeLedger } from './stream-status.js';

/**
 * What one type of one stream still owes the client: `make` = additions and updates (and answers
 * owed to subscription changes), `break` = removals of resources the client holds.
 */
export interface Work {
  readonly make: boolean;
  readonly break: boolean;
}

export const NO_WORK: Work = Object.freeze({ make: false, break: false });

/**
 * Which part of a type's work a response carries: `make` = additions and updates only (a full-state
 * type still lists the resources being removed), `break` = the removals, `all` = everything at once.
 */
export type Phase = 'make' | 'break' | 'all';

export interface PushPlanView {
  /** Types the client has asked for on this stream. */
  readonly types: Iterable<string>;
  work(typeUrl: string): Work;
  ledger(typeUrl: string): TypeLedger | undefined;
  /**
   * If the client holds an EDS cluster whose (existing) endpoints it does not have yet, the
   * scheduler time of the CDS response that gave it the cluster. Envoy keeps such a cluster warming
   * until it subscribed to and got its endpoints; routes must not move to it before.
   */
  warmingSince(): number | undefined;
}

export interface PushPlanOptions {
  /** ADS: several types share the stream and their order matters. Single-type streams need no plan. */
  readonly ordered: boolean;
  /** How long an un-ACKed response may hold back what must follow it. */
  readonly holdMs: number;
}

/**
 * LDS and RDS wait while a CDS or EDS response is un-ACKed, and while a cluster is warming: the
 * client must have the clusters and their endpoints first.
 */
const HELD_BEHIND: Readonly<Record<string, readonly string[] | undefined>> = {
  [TypeUrl.Listener]: [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment],
  [TypeUrl.RouteConfiguration]: [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment],
};

/**
 * Chooses the next response of a stream (make before break):
 *
 * 1. Additions and updates go first, in PUSH_ORDER (SDS, CDS, EDS, LDS, RDS), so a resource exists at
 *    the client before anything points at it. LDS and RDS are held while a CDS or EDS response is
 *    un-ACKed (Envoy is still warming those clusters), for at most `holdMs`, so a client that never
 *    ACKs cannot block the stream forever.
 * 2. Removals go last, in reverse PUSH_ORDER (routes and listeners stop pointing at a cluster before
 *    the cluster goes, clusters before their endpoints and secrets), each only once every type after
 *    it in PUSH_ORDER has nothing left to send and nothing un-ACKed (again bounded by `holdMs`).
 *
 * When a type has both additions and removals and nothing after it is pending, one response carries
 * both (`all`); otherwise its additions go now (`make`) and its removals later (`break`). This is
 * sound for one snapshot change and for any sequence of them, because the plan is recomputed from
 * what the client holds each time, never from a queue of past changes.
 */
export function planNext(view: PushPlanView, at: Instant, opts: PushPlanOptions): { typeUrl: string; phase: Phase } | undefined {
  const plan = new Planning(view, at, opts.holdMs);
  if (!opts.ordered) {
    for (const t of plan.known) if (plan.work(t).make || plan.work(t).break) return { typeUrl: t, phase: 'all' };
    return undefined;
  }
  for (const t of PUSH_ORDER) {
    const w = plan.work(t);
    if (!w.make) continue;
    const held = HELD_BEHIND[t];
    if (held && (held.some((u) => plan.blocking(u)) || plan.warming())) continue;
    return { typeUrl: t, phase: w.break && plan.laterBusy(t) ? 'make' : 'all' };
  }
  for (let i = PUSH_ORDER.length - 1; i >= 0; i--) {
    const t = PUSH_ORDER[i]!;
    if (plan.work(t).break && !plan.laterBusy(t)) return { typeUrl: t, phase: 'break' };
  }
  return undefined;
}

/**
 * One planning pass over a stream's view, with its work per type computed at most once. A class
 * rather than closures: planning runs for every stream on every change and ACK, and per-call
 * closures cost allocations (and, under tsx, a name definition each).
 */
class Planning {
  readonly known: ReadonlySet<string>;
  private readonly works = new Map<string, Work>();
  private warmingCache: boolean | undefined;

  constructor(
    private readonly view: PushPlanView,
    private readonly at: Instant,
    private readonly holdMs: number,
  ) {
    this.known = new Set(view.types);
  }

  work(t: string): Work {
    let w = this.works.get(t);
    if (!w) this.works.set(t, (w = this.known.has(t) ? this.view.work(t) : NO_WORK));
    return w;
  }

  /** An un-ACKed response of `t` still holds back what must follow it. */
  blocking(t: string): boolean {
    const l = this.view.ledger(t);
    return l !== undefined && l.awaiting && this.at.tick < (l.sentTick ?? 0) + this.holdMs;
  }

  warming(): boolean {
    if (this.warmingCache === undefined) {
      const since = this.view.warmingSince();
      this.warmingCache = since !== undefined && this.at.tick < since + this.holdMs;
    }
    return this.warmingCache;
  }

  /** Some type after `t` in PUSH_ORDER has work left or an un-ACKed response holding. */
  laterBusy(t: string): boolean {
    for (let i = PUSH_ORDER.indexOf(t as TypeUrl) + 1; i < PUSH_ORDER.length; i++) {
      const u = PUSH_ORDER[i]!;
      const w = this.work(u);
      if (w.make || w.break || this.blocking(u)) return true;
    }
    return false;
  }
}

/**
 * When a hold-back expires: the scheduler time at which the earliest un-ACKed response stops
 * holding back others, if some work is waiting. The pipeline sets a timer for it.
 */
export function nextWakeup(view: PushPlanView, at: Instant, opts: PushPlanOptions): number | undefined {
  if (!opts.ordered) return undefined;
  const types = [...view.types];
  if (!types.some((t) => view.work(t).make || view.work(t).break)) return undefined;
  let earliest: number | undefined;
  const consider = (since: number | undefined) => {
    if (since === undefined) return;
    const expires = since + opts.holdMs;
    if (expires > at.tick && (earliest === undefined || expires < earliest)) earliest = expires;
  };
  for (const t of types) {
    const l = view.ledger(t);
    if (l?.awaiting) consider(l.sentTick ?? 0);
  }
  // A warming cluster only matters to listeners and routes that wait to be sent.
  if (Object.keys(HELD_BEHIND).some((t) => types.includes(t) && view.work(t).make)) consider(view.warmingSince());
  return earliest;
}
