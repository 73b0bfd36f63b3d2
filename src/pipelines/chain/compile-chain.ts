import { configEntryKey } from '../../sources/config-entries/config-entry.js';
import { ChainContext, isDefaultTenancy } from './chain-context.js';
import { nodeKey } from './chain-target.js';
import type { ChainInput, ChainNode, ChainRoute, CompiledChain, RouterNode } from './compiled-chain.js';
import { splitterOrResolver } from './compile-splitter.js';
import { resolverNode } from './resolve-target.js';
import { toRouteDestination, toRouteMatch } from './to-route.js';

/**
 * Compiles the discovery chain of `serviceName` from the config entries, as Consul's discovery chain compiler
 * does: router (http-like protocols only) -> splitters -> resolvers -> targets. Pure and deterministic: equal
 * inputs give deeply equal chains (keys sorted), and only entries listed in `dependencies` were read.
 * @throws ChainError when the chain cannot be compiled (cycles, redirect loops, missing subsets, mixed protocols).
 */
export function compileChain(input: ChainInput): CompiledChain {
  const ctx = new ChainContext(input.serviceName, input.trustDomain, input.entries);
  const service = input.serviceName;
  ctx.requireProtocol(service);
  const protocol = ctx.protocolOf(service);
  const startNode = protocol === 'tcp' ? resolverNode(ctx, service, '') : routerNode(ctx, service) ?? splitterOrResolver(ctx, service);
  return finish(ctx, protocol, startNode);
}

function routerNode(ctx: ChainContext, service: string): string | undefined {
  const router = ctx.entry('service-router', service);
  if (!router) return undefined;
  const routes: ChainRoute[] = [];
  for (const [i, route] of (router.Routes ?? []).entries()) {
    const d = route.Destination;
    if (!isDefaultTenancy(d?.Namespace) || !isDefaultTenancy(d?.Partition)) {
      throw ctx.fail(`Routes[${i}].Destination: only the "default" namespace and partition exist in rxds`, configEntryKey('service-router', service));
    }
    const dest = d?.Service || service;
    const next = d?.ServiceSubset ? resolverNode(ctx, dest, d.ServiceSubset) : splitterOrResolver(ctx, dest);
    routes.push({ match: toRouteMatch(route), next, destination: toRouteDestination(d) });
  }
  routes.push({ match: toRouteMatch(undefined), next: splitterOrResolver(ctx, service), destination: toRouteDestination(undefined) });
  const key = nodeKey.router(service);
  const node: RouterNode = { type: 'router', name: service, routes };
  ctx.nodes.set(key, node);
  return key;
}

/** Keeps what the start node reaches, sorts keys, freezes. */
function finish(ctx: ChainContext, protocol: CompiledChain['protocol'], startNode: string): CompiledChain {
  const reached = new Set<string>();
  const targetIds = new Set<string>();
  const visit = (key: string): void => {
    if (reached.has(key)) return;
    reached.add(key);
    const node = ctx.nodes.get(key)!;
    for (const next of successors(node)) visit(next);
    if (node.type === 'resolver') for (const t of [node.target, ...node.failover]) targetIds.add(t);
  };
  visit(startNode);
  const chain: CompiledChain = {
    serviceName: ctx.serviceName,
    protocol,
    startNode,
    nodes: sortedRecord([...reached].map((k) => [k, ctx.nodes.get(k)!])),
    targets: sortedRecord([...targetIds].map((id) => [id, ctx.targets.get(id)!])),
    dependencies: [...ctx.dependencies].sort(),
    warnings: [...ctx.warnings].sort(),
  };
  return deepFreeze(chain);
}

function successors(node: ChainNode): string[] {
  switch (node.type) {
    case 'router':
      return node.routes.map((r) => r.next);
    case 'splitter':
      return node.splits.map((s) => s.next);
    case 'resolver':
      return [];
  }
}

function sortedRecord<V>(pairs: [string, V][]): Record<string, V> {
  return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
