import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import { FULL_STATE_TYPES, TypeUrl } from '../../core/type-urls.js';
import { candidates } from './dirty-names.js';
import { NO_WORK, type Work } from './push-planner.js';
import { childNames } from './resource-refs.js';
import { sotwInScope, type SotwTypeState } from './sotw-subscription.js';

/** What a SotW type owes the client, computed from the names that may be out of sync. */

const EMPTY: ReadonlyMap<string, Resource> = new Map();

/** The subscribed resources that exist in the snapshot (only of the right type: an Any never lies). */
export function targetOf(ts: SotwTypeState, snapshot: Snapshot): ReadonlyMap<string, Resource> {
  const desired = snapshot.get(ts.typeUrl) ?? EMPTY;
  const m = targetMemo.get(ts.names);
  if (m && m.desired === desired && m.wildcard === ts.wildcard) return m.target;
  const out = new Map<string, Resource>();
  const add = (name: string, r: Resource | undefined) => {
    if (r && r.typeUrl === ts.typeUrl) out.set(name, r);
  };
  if (ts.wildcard) for (const [name, r] of desired) add(name, r);
  else for (const name of ts.names) add(name, desired.get(name));
  targetMemo.set(ts.names, { desired, wildcard: ts.wildcard, target: out });
  return out;
}

/**
 * Memos (per stream state, see delta-state's diffMemo): the target depends on the subscription and
 * the type's resource map, the work also on what was sent and what is forced or owed. An ACK only
 * replaces the ledger and hits both.
 */
const targetMemo = new WeakMap<ReadonlySet<string>, { readonly desired: unknown; readonly wildcard: boolean; readonly target: ReadonlyMap<string, Resource> }>();
const workMemo = new WeakMap<ReadonlyMap<string, Resource>, { readonly ts: SotwTypeState; readonly desired: unknown; readonly work: Work }>();

export function isNewToClient(ts: SotwTypeState, name: string, r: Resource): boolean {
  return ts.force.has(name) || ts.sent.get(name)?.version !== r.version;
}

/**
 * What a type owes. Nothing before the first snapshot (we cannot say what exists yet) or while
 * quiet. LDS/CDS owe a response for any difference of the full set, and for an owed answer;
 * RDS/EDS/SDS only for resources the client lacks or holds in another version: a partial type
 * cannot express a deletion in SotW, so it has no `break` work.
 */
export function sotwWork(snapshot: Snapshot | undefined, ts: SotwTypeState | undefined): Work {
  if (!ts || !snapshot || ts.quiet) return NO_WORK;
  const desired = snapshot.get(ts.typeUrl) ?? EMPTY;
  const m = workMemo.get(ts.sent);
  if (m && m.desired === desired && m.ts.dirty === ts.dirty && m.ts.force === ts.force && m.ts.owed === ts.owed && m.ts.names === ts.names && m.ts.wildcard === ts.wildcard) {
    return m.work;
  }
  const work = computeWork(ts, desired);
  workMemo.set(ts.sent, { ts, desired, work });
  return work;
}

/** The subscribed resource of that name, if it exists (and is of the right type: an Any never lies). */
export function wanted(ts: SotwTypeState, desired: ReadonlyMap<string, Resource>, name: string): Resource | undefined {
  const r = desired.get(name);
  return r && r.typeUrl === ts.typeUrl && sotwInScope(ts, name) ? r : undefined;
}

/** Names that may be out of sync: dirty or forced ones (everything when dirty is 'all'). */
export function lookAt(ts: SotwTypeState, desired: ReadonlyMap<string, Resource>): Set<string> {
  return candidates(ts.dirty, ts.force, () => [...(ts.wildcard ? desired.keys() : ts.names), ...ts.sent.keys()]);
}

function computeWork(ts: SotwTypeState, desired: ReadonlyMap<string, Resource>): Work {
  const full = FULL_STATE_TYPES.has(ts.typeUrl);
  let make = full && ts.owed;
  let brk = false;
  for (const n of lookAt(ts, desired)) {
    const r = wanted(ts, desired, n);
    if (r) make ||= isNewToClient(ts, n, r);
    else brk ||= full && ts.sent.has(n);
  }
  return make || brk ? { make, break: brk } : NO_WORK;
}

/** See PushPlanView.warmingSince: a held cluster whose existing endpoints the client lacks. */
export function sotwWarmingSince(snapshot: Snapshot | undefined, types: ReadonlyMap<string, SotwTypeState>): number | undefined {
  const cds = types.get(TypeUrl.Cluster);
  if (!cds || !snapshot || cds.ledger.sentTick === undefined) return undefined;
  const eds = types.get(TypeUrl.ClusterLoadAssignment);
  const assignments = snapshot.get(TypeUrl.ClusterLoadAssignment) ?? EMPTY;
  const m = warmingMemo.get(cds.sent);
  if (m && m.edsSent === eds?.sent && m.assignments === assignments) return m.warming ? cds.ledger.sentTick : undefined;
  let warming = false;
  for (const c of cds.sent.values()) {
    for (const name of childNames(c)) {
      const want = assignments.get(name);
      if (want && eds?.sent.get(name)?.version !== want.version) warming = true;
    }
    if (warming) break;
  }
  warmingMemo.set(cds.sent, { edsSent: eds?.sent, assignments, warming });
  return warming ? cds.ledger.sentTick : undefined;
}

const warmingMemo = new WeakMap<object, { readonly edsSent: unknown; readonly assignments: unknown; readonly warming: boolean }>();
