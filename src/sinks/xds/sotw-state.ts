import { create } from '@bufbuild/protobuf';
import {
  DiscoveryResponseSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import { CHILD_TYPE, FULL_STATE_TYPES, TypeUrl } from '../../core/type-urls.js';
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
    work: (t) => sotwWork(s, s.types.get(t)),
    ledger: (t) => s.types.get(t)?.ledger,
    warmingSince: () => sotwWarmingSince(s),
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
      if (nonce === 'current' && ts.ledger.awaiting) {
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
      // A new snapshot is a trigger for every type, including those quiet after a stale request.
      const types = new Map([...state.types].map(([t, ts]) => [t, ts.quiet ? { ...ts, quiet: false } : ts]));
      return { ...state, snapshot, types };
    },

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
        types.set(t, typeStatus(t, ts.ledger, sotwSubscribed(ts)));
        sent.set(t, ts.sent);
      }
      return { types, sent };
    },
  };
}

function withType(state: SotwState, ts: SotwTypeState): SotwState {
  const types = new Map(state.types);
  types.set(ts.typeUrl, ts);
  return { ...state, types };
}

/** The subscribed resources that exist in the snapshot (only of the right type: an Any never lies). */
function targetOf(ts: SotwTypeState, snapshot: Snapshot): Map<string, Resource> {
  const desired = snapshot.get(ts.typeUrl) ?? EMPTY;
  const out = new Map<string, Resource>();
  const add = (name: string, r: Resource | undefined) => {
    if (r && r.typeUrl === ts.typeUrl) out.set(name, r);
  };
  if (ts.wildcard) for (const [name, r] of desired) add(name, r);
  else for (const name of ts.names) add(name, desired.get(name));
  return out;
}

function isNewToClient(ts: SotwTypeState, name: string, r: Resource): boolean {
  return ts.force.has(name) || ts.sent.get(name)?.version !== r.version;
}

/**
 * What a type owes. Nothing before the first snapshot (we cannot say what exists yet) or while
 * quiet. LDS/CDS owe a response for any difference of the full set, and for an owed answer;
 * RDS/EDS/SDS only for resources the client lacks or holds in another version: a partial type
 * cannot express a deletion in SotW, so it has no `break` work.
 */
function sotwWork(state: SotwState, ts: SotwTypeState | undefined): Work {
  if (!ts || !state.snapshot || ts.quiet) return NO_WORK;
  const target = targetOf(ts, state.snapshot);
  let make = FULL_STATE_TYPES.has(ts.typeUrl) && ts.owed;
  for (const [name, r] of target) if (!make && isNewToClient(ts, name, r)) make = true;
  if (!FULL_STATE_TYPES.has(ts.typeUrl)) return make ? { make, break: false } : NO_WORK;
  let brk = false;
  for (const name of ts.sent.keys()) if (!target.has(name)) brk = true;
  return make || brk ? { make, break: brk } : NO_WORK;
}

function buildResponse(
  config: MachineConfig,
  state: SotwState,
  typeUrl: string,
  phase: Phase,
  at: Instant,
): Transition<SotwState, DiscoveryResponse> {
  const ts = state.types.get(typeUrl)!;
  const target = targetOf(ts, state.snapshot!);
  let members: Map<string, Resource>;
  let resources: Resource[];
  let removed: string[] = [];
  if (FULL_STATE_TYPES.has(typeUrl)) {
    // LDS/CDS carry the full set: a missing name is a deletion. In the make phase the resources
    // being removed stay listed until what points at them has moved (see push-planner).
    members = new Map(target);
    if (phase === 'make') for (const [n, r] of ts.sent) if (!members.has(n)) members.set(n, r);
    removed = [...ts.sent.keys()].filter((n) => !members.has(n));
    resources = [...members.values()];
  } else {
    // RDS/EDS/SDS carry only what the client lacks, holds in another version, or must get again.
    const picked = [...target].filter(([n, r]) => isNewToClient(ts, n, r));
    resources = picked.map(([, r]) => r);
    members = new Map([...ts.sent, ...picked]);
  }
  const version = setVersion([...members].map(([n, r]) => [n, r.version] as const));
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

/** See PushPlanView.warmingSince: a held cluster whose existing endpoints the client lacks. */
function sotwWarmingSince(state: SotwState): number | undefined {
  const cds = state.types.get(TypeUrl.Cluster);
  if (!cds || !state.snapshot || cds.ledger.sentTick === undefined) return undefined;
  const eds = state.types.get(TypeUrl.ClusterLoadAssignment);
  const assignments = state.snapshot.get(TypeUrl.ClusterLoadAssignment) ?? EMPTY;
  for (const c of cds.sent.values()) {
    for (const name of childNames(c)) {
      const want = assignments.get(name);
      if (want && eds?.sent.get(name)?.version !== want.version) return cds.ledger.sentTick;
    }
  }
  return undefined;
}
