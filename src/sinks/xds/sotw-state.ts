import { create } from '@bufbuild/protobuf';
import {
  DiscoveryResponseSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import { CHILD_TYPE, FULL_STATE_TYPES } from '../../core/type-urls.js';
import { CLEAN, markDirty } from './dirty-names.js';
import type { Phase, PushPlanView } from './push-planner.js';
import { withChanges } from './layered-map.js';
import { answerInFlight, plannedMachineParts } from './machine-parts.js';
import { childNames } from './resource-refs.js';
import { isNewToClient, lookAt, sotwWarmingSince, sotwWork, targetOf, wanted } from './sotw-diff.js';
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
import { classifyNonce, recordSent, type Instant } from './stream-status.js';
import { applySotwNames, initialSotwType, sotwInScope, sotwSubscribed, type SotwTypeState } from './sotw-subscription.js';

/** One SotW stream: the latest desired snapshot and, per requested type, subscription and sent state. */
export interface SotwState {
  readonly snapshot?: Snapshot;
  readonly types: ReadonlyMap<string, SotwTypeState>;
  /** Responses sent so far: the nonce of the next one is this plus one. */
  readonly sentCount: number;
}

type Output = MachineOutput<DiscoveryResponse>;
const EMPTY: ReadonlyMap<string, Resource> = new Map();

/**
 * The State-of-the-World protocol for one stream (ADS when `config.typeUrl` is undefined).
 * See BRIEF section 2 for the rules; the comments below say where each is kept.
 */
export function sotwMachine(config: MachineConfig): StreamMachine<DiscoveryRequest, DiscoveryResponse, SotwState> {
  const ordering = { ordered: config.typeUrl === undefined, holdMs: config.holdMs };
  const planView = (s: SotwState): PushPlanView => ({
    types: s.types.keys(),
    work: (t) => sotwWork(s.snapshot, s.types.get(t)),
    ledger: (t) => s.types.get(t)?.ledger,
    warmingSince: () => sotwWarmingSince(s.snapshot, s.types),
  });

  return {
    initial: { types: new Map(), sentCount: 0 },

    request(state, req, at) {
      const typeUrl = requestType(config, req.typeUrl);
      if (typeUrl === undefined) {
        return { state, outputs: [{ kind: 'ignored', typeUrl: req.typeUrl, reason: 'not a resource type rxds serves' }] };
      }
      checkNameCount(config, req.resourceNames.length);
      let ts = state.types.get(typeUrl) ?? initialSotwType(typeUrl);
      const outputs: Output[] = [];
      const nonce = classifyNonce(ts.ledger, req.responseNonce);
      // ACK and NACK are told apart by error_detail only (a NACK repeats the last good version).
      if (nonce === 'current' && ts.ledger.awaiting) ts = answerInFlight(ts, typeUrl, req, at, outputs);
      // A late ACK of an older response still tells which version the client runs (SotW ACKs carry it).
      if (nonce === 'stale' && !req.errorDetail && req.versionInfo !== '') {
        ts = { ...ts, ledger: { ...ts.ledger, lastAckedVersion: req.versionInfo, lastAckAt: at.wall } };
      }
      // The names count in every case, even with a stale nonce; a stale request just gets no answer.
      ts = applySotwNames(ts, req.resourceNames, nonce === 'initial');
      if (ts.quiet !== (nonce === 'stale')) ts = { ...ts, quiet: nonce === 'stale' };
      return { state: withType(state, ts), outputs };
    },

    snapshot(state, snapshot) {
      if (snapshot === state.snapshot) return state;
      // Mark what the change touched, per type. A new snapshot is also a trigger for every type,
      // including those quiet after a stale request.
      const types = new Map(state.types);
      for (const [t, ts] of state.types) {
        const changed = changedNames(state.snapshot?.get(t), snapshot.get(t));
        if (changed.size > 0 || ts.quiet) types.set(t, { ...ts, dirty: markDirty(ts.dirty, changed), quiet: false });
      }
      return { ...state, snapshot, types };
    },

    ...plannedMachineParts({
      ordering,
      planView,
      build: (state, typeUrl, phase, at) => buildResponse(config, state, typeUrl, phase, at),
      subscribed: sotwSubscribed,
      sent: (ts) => ts.sent,
    }),
  };
}

function withType(state: SotwState, ts: SotwTypeState): SotwState {
  const types = new Map(state.types);
  types.set(ts.typeUrl, ts);
  return { ...state, types };
}

function buildResponse(
  config: MachineConfig,
  state: SotwState,
  typeUrl: string,
  phase: Phase,
  at: Instant,
): Transition<SotwState, DiscoveryResponse> {
  const ts = state.types.get(typeUrl)!;
  const desired = state.snapshot!.get(typeUrl) ?? EMPTY;
  let members: ReadonlyMap<string, Resource>;
  let resources: Resource[];
  let removed: string[] = [];
  let retained: string[] = [];
  let changes: Array<readonly [string, Resource | undefined]>;
  if (FULL_STATE_TYPES.has(typeUrl)) {
    // LDS/CDS carry the full set: a missing name is a deletion. In the make phase the resources
    // being removed stay listed until what points at them has moved (see push-planner).
    const target = targetOf(ts, state.snapshot!);
    if (phase === 'make') for (const n of ts.sent.keys()) if (!target.has(n)) retained.push(n);
    // Without retained removals the set sent is the target itself (shared by equal subscriptions).
    const all = retained.length === 0 ? target : new Map([...target, ...retained.map((n) => [n, ts.sent.get(n)!] as const)]);
    removed = [...ts.sent.keys()].filter((n) => !all.has(n));
    resources = [...all.values()];
    members = all;
    changes = [...all, ...removed.map((n) => [n, undefined] as const)];
  } else {
    // RDS/EDS/SDS carry only what the client lacks, holds in another version, or must get again.
    const picked: Array<[string, Resource]> = [];
    for (const n of lookAt(ts, desired)) {
      const r = wanted(ts, desired, n);
      if (r && isNewToClient(ts, n, r)) picked.push([n, r]);
    }
    resources = picked.map(([, r]) => r);
    members = withChanges(ts.sent, picked, desired);
    changes = picked;
  }
  const sentDigest = digestUpdate(ts.sentDigest, ts.sent, changes);
  const version = digestVersion(sentDigest);
  const nonce = String(state.sentCount + 1);
  const response = create(DiscoveryResponseSchema, {
    versionInfo: version,
    typeUrl,
    nonce,
    resources: resources.map((r) => config.framer.any(r)),
  });
  const sentNames = new Set(resources.map((r) => r.name));
  const next: SotwTypeState = {
    ...ts,
    sent: members,
    sentDigest,
    // All examined names are settled, except removals left for the break phase.
    dirty: retained.length > 0 ? new Set(retained) : CLEAN,
    force: new Set([...ts.force].filter((n) => !sentNames.has(n))),
    owed: false,
    ledger: recordSent(ts.ledger, nonce, version, at),
  };
  let types = new Map(state.types).set(typeUrl, next);
  types = forceChildren(types, typeUrl, resources, ts.sent);
  return {
    state: { ...state, types, sentCount: state.sentCount + 1 },
    outputs: [{ kind: 'response', typeUrl, nonce, version, response, resources, removed }],
  };
}

/**
 * Parent/child: a cluster (listener) that changed is re-created by Envoy, which then waits for its
 * ClusterLoadAssignment (RouteConfiguration) again, even if that did not change. Force those
 * children for the names the client subscribes to.
 */
function forceChildren(
  types: Map<string, SotwTypeState>,
  parentType: string,
  sent: readonly Resource[],
  before: ReadonlyMap<string, Resource>,
): Map<string, SotwTypeState> {
  const childType = CHILD_TYPE[parentType];
  const child = childType && types.get(childType);
  if (!child) return types;
  const force = new Set(child.force);
  for (const r of sent) {
    // Only an update: a new cluster (listener) makes the client subscribe to its child by itself.
    const prev = before.get(r.name);
    if (!prev || prev.version === r.version) continue;
    for (const name of childNames(r)) if (sotwInScope(child, name)) force.add(name);
  }
  if (force.size !== child.force.size) types.set(child.typeUrl, { ...child, force });
  return types;
}
