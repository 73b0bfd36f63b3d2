import { configEntryKey } from '../../sources/config-entries/config-entry.js';
import { scaledWeight } from '../../sources/config-entries/service-splitter.js';
import { jsonEqual } from '../../sources/store/json-equal.js';
import { isDefaultTenancy, type ChainContext } from './chain-context.js';
import { nodeKey } from './chain-target.js';
import type { ChainSplit, SplitterNode } from './compiled-chain.js';
import { resolverNode } from './resolve-target.js';
import { toHeaderModifiers } from './to-route.js';

/** Consul's NormalizeServiceSplitWeight: percentages at a resolution of 0.01. */
function normalizeWeight(weight: number): number {
  return scaledWeight(weight) / 100;
}

/**
 * The splitter node of `service`, or undefined when it has no service-splitter. Splits to another service
 * (without a subset) that has a splitter of its own are flattened into this one, weights multiplied, as Consul
 * does; a split to the service itself goes to its resolver. `visiting` detects splitter cycles.
 */
export function splitterNode(ctx: ChainContext, service: string, visiting: readonly string[] = []): string | undefined {
  const entry = ctx.entry('service-splitter', service);
  if (!entry) return undefined;
  const key = nodeKey.splitter(service);
  if (ctx.nodes.has(key)) return key;
  if (visiting.includes(service)) {
    throw ctx.fail(`circular splitter reference: ${[...visiting, service].join(' -> ')}`, configEntryKey('service-splitter', service));
  }
  const path = [...visiting, service];
  const raw: ChainSplit[] = [];
  for (const [i, split] of entry.Splits.entries()) {
    if (!isDefaultTenancy(split.Namespace) || !isDefaultTenancy(split.Partition)) {
      throw ctx.fail(`Splits[${i}]: only the "default" namespace and partition exist in rxds`, configEntryKey('service-splitter', service));
    }
    const target = split.Service || service;
    const requestHeaders = toHeaderModifiers(split.RequestHeaders);
    const responseHeaders = toHeaderModifiers(split.ResponseHeaders);
    const headers = { ...(requestHeaders ? { requestHeaders } : {}), ...(responseHeaders ? { responseHeaders } : {}) };
    if (target !== service && !split.ServiceSubset) {
      const nested = splitterNode(ctx, target, path);
      if (nested) {
        const inner = ctx.nodes.get(nested) as SplitterNode;
        for (const s of inner.splits) raw.push({ ...s, weight: normalizeWeight((split.Weight * s.weight) / 100) });
        continue;
      }
    }
    raw.push({ weight: normalizeWeight(split.Weight), next: resolverNode(ctx, target, split.ServiceSubset ?? ''), ...headers });
  }
  const node: SplitterNode = { type: 'splitter', name: service, splits: mergeSplits(raw) };
  ctx.nodes.set(key, node);
  return key;
}

/** Splits to the same node with the same header changes become one; zero weights go. Order of first appearance. */
function mergeSplits(splits: readonly ChainSplit[]): ChainSplit[] {
  const out: ChainSplit[] = [];
  for (const s of splits) {
    const i = out.findIndex((o) => o.next === s.next && jsonEqual({ ...o, weight: 0 }, { ...s, weight: 0 }));
    if (i >= 0) out[i] = { ...out[i]!, weight: normalizeWeight(out[i]!.weight + s.weight) };
    else out.push(s);
  }
  return out.filter((s) => s.weight > 0);
}

/** Where a request for `service` goes next: its splitter if it has one, else its resolver. */
export function splitterOrResolver(ctx: ChainContext, service: string): string {
  return splitterNode(ctx, service) ?? resolverNode(ctx, service, '');
}
