import { ChainContext } from '../chain/chain-context.js';
import { DATACENTER, NAMESPACE } from '../chain/chain-target.js';
import type { ChainEntries, ChainTarget, CompiledChain, ResolverNode } from '../chain/compiled-chain.js';
import { resolverNode } from '../chain/resolve-target.js';

/**
 * The service/subset readings of a cluster name (Consul's SNI form `[<subset>.]<service>.default.dc1.internal.<trust-domain>`):
 * `<subset>.<service>` split at the first dot (which compiles only if the service's resolver defines that subset),
 * then the whole prefix as a service. None if the suffix differs.
 */
export function parseClusterName(name: string, trustDomain: string): { service: string; subset: string }[] {
  const suffix = `.${NAMESPACE}.${DATACENTER}.internal.${trustDomain}`;
  if (!name.endsWith(suffix)) return [];
  const prefix = name.slice(0, -suffix.length);
  if (prefix === '') return [];
  const out: { service: string; subset: string }[] = [];
  const dot = prefix.indexOf('.');
  if (dot > 0 && dot < prefix.length - 1) out.push({ service: prefix.slice(dot + 1), subset: prefix.slice(0, dot) });
  out.push({ service: prefix, subset: '' });
  return out;
}

/**
 * A one-resolver chain for the cluster a proxyless client still subscribes to (after no route points at it any
 * more): the resolver of that service/subset, exactly as the service's own chain compiles it (connect timeout,
 * load balancer, failover targets), so the cluster and its endpoints are the same resources as before. Undefined
 * when the name does not parse, names a subset its service's resolver does not define, or resolves (redirect,
 * default subset) to another cluster.
 */
export function compileHeldCluster(name: string, trustDomain: string, entries: ChainEntries): CompiledChain | undefined {
  for (const { service, subset } of parseClusterName(name, trustDomain)) {
    let ctx: ChainContext;
    let key: string;
    try {
      ctx = new ChainContext(service, trustDomain, entries);
      ctx.requireProtocol(service);
      key = resolverNode(ctx, service, subset);
    } catch {
      continue; // this reading names nothing that exists (unknown subset, redirect loop, mixed protocols)
    }
    const node = ctx.nodes.get(key) as ResolverNode;
    const primary = ctx.targets.get(node.target)!;
    if (primary.sni !== name) continue;
    const targets: Record<string, ChainTarget> = {};
    for (const id of [node.target, ...node.failover].sort()) targets[id] = ctx.targets.get(id)!;
    return deepFreeze<CompiledChain>({
      serviceName: service,
      protocol: ctx.protocolOf(service),
      startNode: key,
      nodes: { [key]: node },
      targets,
      dependencies: [...ctx.dependencies].sort(),
      warnings: [...ctx.warnings].sort(),
    });
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
