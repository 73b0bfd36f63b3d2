// Helpers for the discovery chain tests: entries go through the real config-entry parser (the shape the
// compiler gets in production: validated, durations in Go text, any key case accepted).
import assert from 'node:assert/strict';
import { configEntryKey, type ConfigEntry } from '../../../src/sources/config-entries/config-entry.js';
import { parseConfigEntry } from '../../../src/sources/config-entries/parse-config-entry.js';
import { compileChain } from '../../../src/pipelines/chain/compile-chain.js';
import type { ChainEntries, CompiledChain } from '../../../src/pipelines/chain/compiled-chain.js';

export const TRUST = 'rxds.local';

export function entry(raw: Record<string, unknown>): ConfigEntry {
  const r = parseConfigEntry(raw);
  if (!r.ok) assert.fail(`test entry does not parse: ${r.error} (${JSON.stringify(raw)})`);
  return r.value;
}

export function entries(...raw: Record<string, unknown>[]): Map<string, ConfigEntry> {
  return new Map(raw.map((r) => {
    const e = entry(r);
    return [configEntryKey(e.Kind, e.Name), e] as const;
  }));
}

export function compile(service: string, set: ChainEntries, trustDomain = TRUST): CompiledChain {
  return compileChain({ serviceName: service, trustDomain, entries: set });
}

export const http = (name: string): Record<string, unknown> => ({ Kind: 'service-defaults', Name: name, Protocol: 'http' });

/** `v1`/`v2` subsets by Service.Meta.version. */
export const versions = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Kind: 'service-resolver',
  Name: name,
  Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } },
  ...extra,
});

/** The resolver targets a node leads to, through splits (with their weights) — a readable summary. */
export function leadsTo(chain: CompiledChain, key: string): string[] {
  const node = chain.nodes[key];
  assert.ok(node, `no node ${key} in ${Object.keys(chain.nodes).join(', ')}`);
  switch (node.type) {
    case 'resolver':
      return [node.target];
    case 'splitter':
      return node.splits.flatMap((s) => leadsTo(chain, s.next).map((t) => `${s.weight}% ${t}`));
    case 'router':
      return node.routes.flatMap((r) => leadsTo(chain, r.next));
  }
}
