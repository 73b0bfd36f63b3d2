import { typeUrlOf, type ResourceMessage } from '../../core/resource.js';

function nameOf(m: ResourceMessage): string {
  return 'clusterName' in m ? m.clusterName : m.name;
}

/**
 * Keeps the first message of each (type, name): two upstreams may share clusters (the same memoized
 * objects) or, misconfigured, claim one name; a snapshot holds one resource per name. Order is kept.
 */
export function dedupeMessages(messages: readonly ResourceMessage[]): ResourceMessage[] {
  const seen = new Set<string>();
  const out: ResourceMessage[] = [];
  for (const m of messages) {
    const key = `${typeUrlOf(m)}\u0000${nameOf(m)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m);
  }
  return out;
}
