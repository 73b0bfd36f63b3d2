import { create } from '@bufbuild/protobuf';
import {
  DeltaDiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import { CHILD_TYPE, TypeUrl } from '../../core/type-urls.js';
import { NO_WORK, nextWakeup, planNext, type Phase, type PushPlanView, type Work } from './push-planner.js';
import { childNames } from './resource-refs.js';
import { setVersion } from './set-version.js';
import {
  checkNameCount,
  nackMessage,
  requestType,
  type MachineConfig,
  type MachineOutput,
  type StreamMachine,
  type Transition,
} from './stream-machine.js';
import { classifyNonce, recordAck, recordNack, recordSent, typeStatus, type Instant, type TypeStatus } from './stream-status.js';
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
  const planView = (s: DeltaState): PushPlanView => ({
    types: s.types.keys(),
    work: (t) => deltaWork(s, s.types.get(t)),
    ledger: (t) => s.types.get(t)?.ledger,
    warmingSince: () => deltaWarmingSince(s),
  });

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
      if (classifyNonce(ts.ledger, req.responseNonce) === 'current' && ts.ledger.awaiting) {
        const { lastSentVersion: version = '', lastSentAt: sentAt } = ts.ledger;
        if (req.errorDetail) {
          const error = nackMessage(req.errorDetail);
          ts = { ...ts, ledger: recordNack(ts.ledger, error, at) };
          outputs.push({ kind: 'nack', typeUrl, nonce: req.responseNonce, version, error, sentAt });
        } else {
          ts = { ...ts, ledger: recordAck(ts.ledger, at) };
          outputs.push({ kind: 'ack', typeUrl, nonce: req.responseNonce, version, sentAt });
        }
      }
      ts = applyDeltaChange(ts, {
        subscribe: req.resourceNamesSubscribe,
        unsubscribe: req.resourceNamesUnsubscribe,
        initialVersions,
      });
      return { state: { ...state, types: new Map(state.types).set(typeUrl, ts) }, outputs };
    },

    snapshot: (state, snapshot) => (snapshot === state.snapshot ? state : { ...state, snapshot }),

    next(state, at) {
      const choice = planNext(planView(state), at, ordering);
      if (!choice) return undefined;
      return buildResponse(config, state, choice.typeUrl, choice.phase, at);
    },

    wakeAt: (state, at) => nextWakeup(planView(state), at, ordering),

    view(state) {
      const types = new Map<string, TypeStatus>();
      const sent = new Map<string, ReadonlyMap<string, Resource>>();
      for (const [t, ts] of state.types) {
        types.set(t, typeStatus(t, ts.ledger, deltaSubscribed(ts)));
        sent.set(t, heldResources(ts));
      }
      return { types, sent };
    },
  };
}

function diffOf(ts: DeltaTypeState, snapshot: Snapshot): DeltaDiff {
  const all = snapshot.get(ts.typeUrl) ?? EMPTY;
  const exists = (n: string): Resource | undefined => {
    const r = all.get(n);
    return r && r.typeUrl === ts.typeUrl ? r : undefined;
  };
  const upserts = new Map<string, Resource>();
  const consider = (n: string) => {
    const r = exists(n);
    // Every subscribed name is sent, even if the server believes the client holds it (force).
    if (r && (ts.force.has(n) || ts.has.get(n)?.version !== r.version)) upserts.set(n, r);
  };
  if (ts.wildcard) for (const n of all.keys()) consider(n);
  for (const n of ts.names) if (!upserts.has(n)) consider(n);
  const missing = [...ts.force].filter((n) => !exists(n) && !ts.has.has(n));
  const deleted = [...ts.has.keys()].filter((n) => !exists(n));
  return { upserts, missing, deleted };
}

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
  const has = new Map<string, Held>(ts.has);
  for (const [n, r] of upserts) has.set(n, r);
  for (const n of removed) has.delete(n);
  const force = new Set(ts.force);
  for (const [n] of upserts) force.delete(n);
  for (const n of removed) force.delete(n);
  const version = setVersion([...has].map(([n, h]) => [n, h.version] as const));
  const nonce = String(state.sentCount + 1);
  const resources = upserts.map(([, r]) => r);
  const response = create(DeltaDiscoveryResponseSchema, {
    systemVersionInfo: version,
    typeUrl,
    nonce,
    resources: resources.map((r) => config.framer.deltaResource(r)),
    removedResources: removed,
  });
  const next: DeltaTypeState = {
    ...ts,
    has,
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
  for (const c of cds.has.values()) {
    if ('claimed' in c) continue;
    for (const name of childNames(c)) {
      const want = assignments.get(name);
      if (want && eds?.has.get(name)?.version !== want.version) return cds.ledger.sentTick;
    }
  }
  return undefined;
}
