import { create } from '@bufbuild/protobuf';
import {
  DeltaDiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import { CHILD_TYPE, TypeUrl } from '../../core/type-urls.js';
import { NO_WORK, type Phase, type PushPlanView, type Work } from './push-planner.js';
import { CLEAN, candidates, markDirty } from './dirty-names.js';
import { withChanges } from './layered-map.js';
import { answerInFlight, plannedMachineParts } from './machine-parts.js';
import { childNames } from './resource-refs.js';
import { changedNames } from './snapshot-interner.js';
import { digestUpdate, digestVersion } from './set-version.js';
import {
  checkNameCount,
  requestType,
  type MachineConfig,
  type MachineOutput,
  type StreamMachine,
  type Transition,
} from './stream-machine.js';
import { classifyNonce, recordSent, type Instant, type TypeLedger } from './stream-status.js';
import {
  applyDeltaChange,
  deltaInScope,
  deltaSubscribed,
  heldResources,
  initialDeltaType,
  type DeltaTypeState,
  type Held,
} from './delta-subscription.js';

/** One Delta stream: the latest desired snapshot and, per requested type, subscription and held state. */
export interface DeltaState {
  readonly snapshot?: Snapshot;
  readonly types: ReadonlyMap<string, DeltaTypeState>;
  readonly sentCount: number;
}

type Output = MachineOutput<DeltaDiscoveryResponse>;
const EMPTY: ReadonlyMap<string, Resource> = new Map();

/** The diff of one type: what to add or update, what to report as not existing, what to remove. */
interface DeltaDiff {
  readonly upserts: ReadonlyMap<string, Resource>;
  /** Subscribed names that do not exist and the client does not hold: told once, in removed_resources. */
  readonly missing: readonly string[];
  /** Names the client holds that no longer exist: deletions. */
  readonly deleted: readonly string[];
}

/** The incremental (Delta) protocol for one stream (ADS when `config.typeUrl` is undefined). */
export function deltaMachine(config: MachineConfig): StreamMachine<DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaState> {
  const ordering = { ordered: config.typeUrl === undefined, holdMs: config.holdMs };
  const planView = (s: DeltaState): PushPlanView => new DeltaPlanView(s);

  return {
    initial: { types: new Map(), sentCount: 0 },

    request(state, req, at) {
      const typeUrl = requestType(config, req.typeUrl);
      if (typeUrl === undefined) {
        return { state, outputs: [{ kind: 'ignored', typeUrl: req.typeUrl, reason: 'not a resource type rxds serves' }] };
      }
      const initialVersions = req.initialResourceVersions;
      checkNameCount(
        config,
        req.resourceNamesSubscribe.length + req.resourceNamesUnsubscribe.length + Object.keys(initialVersions).length,
      );
      let ts = state.types.get(typeUrl) ?? initialDeltaType(typeUrl);
      const outputs: Output[] = [];
      // ACK/NACK by error_detail; a stale nonce is neither, but its subscription changes still apply.
      if (classifyNonce(ts.ledger, req.responseNonce) === 'current' && ts.ledger.awaiting) ts = answerInFlight(ts, typeUrl, req, at, outputs);
      ts = applyDeltaChange(ts, {
        subscribe: req.resourceNamesSubscribe,
        unsubscribe: req.resourceNamesUnsubscribe,
        initialVersions,
      });
      return { state: { ...state, types: new Map(state.types).set(typeUrl, ts) }, outputs };
    },

    snapshot(state, snapshot) {
      if (snapshot === state.snapshot) return state;
      // Mark what the change touched, per type; unchanged types keep their state (and memos).
      const types = new Map(state.types);
      for (const [t, ts] of state.types) {
        const changed = changedNames(state.snapshot?.get(t), snapshot.get(t));
        if (changed.size > 0) types.set(t, { ...ts, dirty: markDirty(ts.dirty, changed) });
      }
      return { ...state, snapshot, types };
    },

    ...plannedMachineParts({
      ordering,
      planView,
      build: (state, typeUrl, phase, at) => buildResponse(config, state, typeUrl, phase, at),
      subscribed: deltaSubscribed,
      sent: heldResources,
    }),
  };
}

/** A stream state as the push planner sees it (a class: no per-call closures on the hot path). */
class DeltaPlanView implements PushPlanView {
  constructor(private readonly s: DeltaState) {}
  get types(): Iterable<string> {
    return this.s.types.keys();
  }
  work(t: string): Work {
    return deltaWork(this.s, this.s.types.get(t));
  }
  ledger(t: string): TypeLedger | undefined {
    return this.s.types.get(t)?.ledger;
  }
  warmingSince(): number | undefined {
    return deltaWarmingSince(this.s);
  }
}

/**
 * Diffs are memoized per stream state: planning the next response, building it and planning again
 * after an ACK would otherwise diff every type each time. The key is what the diff depends on: the
 * held map, the subscription and the type's resource map (kept identical across snapshots when
 * unchanged, see SnapshotInterner). An ACK only replaces the ledger, so it hits the memo.
 */
const diffMemo = new WeakMap<ReadonlyMap<string, Held>, { readonly ts: DeltaTypeState; readonly all: unknown; readonly diff: DeltaDiff }>();

function diffOf(ts: DeltaTypeState, snapshot: Snapshot): DeltaDiff {
  const all = snapshot.get(ts.typeUrl) ?? EMPTY;
  const m = diffMemo.get(ts.has);
  if (m && m.all === all && m.ts.dirty === ts.dirty && m.ts.force === ts.force && m.ts.names === ts.names && m.ts.wildcard === ts.wildcard) {
    return m.diff;
  }
  const diff = computeDiff(ts, all);
  diffMemo.set(ts.has, { ts, all, diff });
  return diff;
}

/** The diff over the names that may be out of sync (dirty or forced); the rest is in sync. */
function computeDiff(ts: DeltaTypeState, all: ReadonlyMap<string, Resource>): DeltaDiff {
  const upserts = new Map<string, Resource>();
  const missing: string[] = [];
  const deleted: string[] = [];
  const look = candidates(ts.dirty, ts.force, () => [...(ts.wildcard ? all.keys() : ts.names), ...ts.has.keys()]);
  for (const n of look) {
    const held = ts.has.get(n);
    const found = all.get(n);
    const r = found && found.typeUrl === ts.typeUrl && deltaInScope(ts, n) ? found : undefined;
    // Every subscribed name is sent, even if the server believes the client holds it (force).
    if (r) {
      if (ts.force.has(n) || held?.version !== r.version) upserts.set(n, r);
    } else if (held) deleted.push(n);
    else if (ts.force.has(n)) missing.push(n);
  }
  // An idle stream (the common case) keeps one shared empty diff instead of its own.
  return upserts.size + missing.length + deleted.length === 0 ? NO_DIFF : { upserts, missing, deleted };
}

const NO_DIFF: DeltaDiff = Object.freeze({ upserts: new Map<string, Resource>(), missing: [], deleted: [] });

function deltaWork(state: DeltaState, ts: DeltaTypeState | undefined): Work {
  if (!ts || !state.snapshot) return NO_WORK;
  const d = diffOf(ts, state.snapshot);
  const make = ts.owed || d.upserts.size > 0 || d.missing.length > 0;
  const brk = d.deleted.length > 0;
  return make || brk ? { make, break: brk } : NO_WORK;
}

function buildResponse(
  config: MachineConfig,
  state: DeltaState,
  typeUrl: string,
  phase: Phase,
  at: Instant,
): Transition<DeltaState, DeltaDiscoveryResponse> {
  const ts = state.types.get(typeUrl)!;
  const d = diffOf(ts, state.snapshot!);
  const upserts = phase === 'break' ? [] : [...d.upserts];
  // Not-existing names go with the additions; deletions of held resources wait for the break phase.
  const removed = [...(phase === 'break' ? [] : d.missing), ...(phase === 'make' ? [] : d.deleted)];
  const changes: Array<readonly [string, Held | undefined]> = [...upserts, ...removed.map((n) => [n, undefined] as const)];
  const has = withChanges<Held>(ts.has, changes, state.snapshot!.get(typeUrl));
  const hasDigest = digestUpdate(ts.hasDigest, ts.has, changes);
  const force = new Set(ts.force);
  for (const [n] of changes) force.delete(n);
  const version = digestVersion(hasDigest);
  const nonce = String(state.sentCount + 1);
  const resources = upserts.map(([, r]) => r);
  const response = create(DeltaDiscoveryResponseSchema, {
    systemVersionInfo: version,
    typeUrl,
    nonce,
    resources: resources.map((r) => config.framer.deltaResource(r)),
    removedResources: removed,
  });
  // Everything examined is settled now, except what this phase leaves for a later one.
  const dirty = phase === 'make' ? new Set(d.deleted) : phase === 'break' ? new Set(d.upserts.keys()) : CLEAN;
  const next: DeltaTypeState = {
    ...ts,
    has,
    hasDigest,
    dirty,
    force,
    owed: phase === 'break' && ts.owed,
    ledger: recordSent(ts.ledger, nonce, version, at),
  };
  const types = new Map(state.types).set(typeUrl, next);
  forceChildren(types, typeUrl, upserts, ts.has);
  return {
    state: { ...state, types, sentCount: state.sentCount + 1 },
    outputs: [{ kind: 'response', typeUrl, nonce, version, response, resources, removed }],
  };
}

/** Parent/child: an updated cluster (listener) needs its endpoints (routes) again; see sotw-state. */
function forceChildren(
  types: Map<string, DeltaTypeState>,
  parentType: string,
  upserts: ReadonlyArray<readonly [string, Resource]>,
  before: ReadonlyMap<string, Held>,
): void {
  const childType = CHILD_TYPE[parentType];
  const child = childType && types.get(childType);
  if (!child) return;
  const force = new Set(child.force);
  for (const [n, r] of upserts) {
    const prev = before.get(n);
    if (!prev || prev.version === r.version) continue;
    for (const name of childNames(r)) if (deltaInScope(child, name)) force.add(name);
  }
  if (force.size !== child.force.size) types.set(child.typeUrl, { ...child, force });
}

/** See PushPlanView.warmingSince: a held cluster whose existing endpoints the client lacks. */
function deltaWarmingSince(state: DeltaState): number | undefined {
  const cds = state.types.get(TypeUrl.Cluster);
  if (!cds || !state.snapshot || cds.ledger.sentTick === undefined) return undefined;
  const eds = state.types.get(TypeUrl.ClusterLoadAssignment);
  const assignments = state.snapshot.get(TypeUrl.ClusterLoadAssignment) ?? EMPTY;
  const m = warmingMemo.get(cds.has);
  if (m && m.edsHas === eds?.has && m.assignments === assignments) return m.warming ? cds.ledger.sentTick : undefined;
  let warming = false;
  for (const c of cds.has.values()) {
    if ('claimed' in c) continue;
    for (const name of childNames(c)) {
      const want = assignments.get(name);
      if (want && eds?.has.get(name)?.version !== want.version) warming = true;
    }
    if (warming) break;
  }
  warmingMemo.set(cds.has, { edsHas: eds?.has, assignments, warming });
  return warming ? cds.ledger.sentTick : undefined;
}

const warmingMemo = new WeakMap<object, { readonly edsHas: unknown; readonly assignments: unknown; readonly warming: boolean }>();
