import type { Logger } from '../../core/logger.js';
import type { Resource, ResourceEncoder, ResourceMessage } from '../../core/resource.js';
import { snapshotOf, type Snapshot } from '../../core/snapshot.js';
import type { ResourceGate } from '../validate/check-resource.js';
import type { Violation } from '../validate/violation.js';
import { formatViolations } from '../validate/violation.js';

/** What a proxy pipeline reports about a generated resource that failed the PGV gate. */
export interface InvalidResource {
  readonly nodeId: string;
  readonly resource: Resource;
  readonly violations: readonly Violation[];
  /** The resource of the same type and name this proxy keeps instead, if it had a good one. */
  readonly kept: Resource | undefined;
}

export interface GateOptions {
  readonly encoder: ResourceEncoder;
  readonly gate: ResourceGate;
  readonly logger: Logger;
  readonly onInvalidResource?: (invalid: InvalidResource) => void;
}

/**
 * Encodes generated messages (the shared encoder dedupes bytes) and lets through only resources that pass
 * the PGV gate (resources already encoded, such as SDS Secrets, are gated too). A resource that fails
 * is a generator bug: it is logged with its violations and reported, and the proxy keeps the previous good resource of that type and name (or goes without it if it never
 * had one), while everything else in the snapshot is updated.
 */
export function gateResources(
  nodeId: string,
  messages: readonly ResourceMessage[],
  previous: Snapshot | undefined,
  options: GateOptions,
  encoded: readonly Resource[] = [],
): Snapshot {
  const out: Resource[] = [];
  const seen = new Set<string>();
  const admit = (resource: Resource) => {
    const key = `${resource.typeUrl}\u0000${resource.name}`;
    if (seen.has(key)) return; // one resource per name (the first: secrets, then generated ones)
    seen.add(key);
    const violations = options.gate.check(resource);
    if (violations.length === 0) {
      out.push(resource);
      return;
    }
    const kept = previous?.get(resource.typeUrl)?.get(resource.name);
    options.logger.error(
      { nodeId, typeUrl: resource.typeUrl, name: resource.name, violations: formatViolations(violations), kept: kept?.version },
      'generated resource violates its validation rules (a bug): not sent, the previous good one stays in force',
    );
    options.onInvalidResource?.({ nodeId, resource, violations, kept });
    if (kept) out.push(kept);
  };
  for (const r of encoded) admit(r);
  for (const m of messages) admit(options.encoder.encode(m));
  return snapshotOf(out);
}

/** Same resources (by identity) of the same types: nothing to send. */
export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [t, ra] of a) {
    const rb = b.get(t);
    if (!rb || rb.size !== ra.size) return false;
    for (const [n, r] of ra) if (rb.get(n) !== r) return false;
  }
  return true;
}
