import type { Resource, ResourceEncoder, ResourceMessage } from './resource.js';
import type { TypeUrl } from './type-urls.js';

/**
 * The desired configuration of one proxy: type URL -> resource name -> resource.
 * Immutable; a new snapshot is a new object (unchanged resources are the same objects).
 */
export type Snapshot = ReadonlyMap<string, ReadonlyMap<string, Resource>>;

export const EMPTY_SNAPSHOT: Snapshot = new Map();

/** Builds a snapshot from resources; duplicate names of one type are a programming error. */
export function snapshotOf(resources: Iterable<Resource>): Snapshot {
  const byType = new Map<string, Map<string, Resource>>();
  for (const r of resources) {
    let names = byType.get(r.typeUrl);
    if (!names) byType.set(r.typeUrl, (names = new Map()));
    if (names.has(r.name)) throw new Error(`duplicate ${r.typeUrl} resource named ${JSON.stringify(r.name)}`);
    names.set(r.name, r);
  }
  return byType;
}

/** Encodes messages with a (shared) encoder and builds a snapshot of them. */
export function encodeSnapshot(encoder: ResourceEncoder, messages: Iterable<ResourceMessage>): Snapshot {
  const out: Resource[] = [];
  for (const m of messages) out.push(encoder.encode(m));
  return snapshotOf(out);
}

export function resourcesOfType(snapshot: Snapshot, typeUrl: TypeUrl | string): ReadonlyMap<string, Resource> {
  return snapshot.get(typeUrl) ?? new Map();
}
