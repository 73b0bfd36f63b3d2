import { configEntryKey } from '../../sources/config-entries/config-entry.js';
import { durationMs } from '../../sources/config-entries/duration.js';
import type { ResolverFailover, ServiceResolverEntry } from '../../sources/config-entries/service-resolver.js';
import { isDefaultTenancy, type ChainContext } from './chain-context.js';
import { DATACENTER, DEFAULT_CONNECT_TIMEOUT_MS, makeTarget, nodeKey, targetId } from './chain-target.js';
import type { ChainTarget, ResolverNode } from './compiled-chain.js';
import { toLoadBalancer } from './to-load-balancer.js';

interface Resolved {
  readonly target: ChainTarget;
  readonly resolver: ServiceResolverEntry | undefined;
}

/** Where a Redirect or a failover option points, in Consul's DiscoveryTargetOpts terms. */
interface TargetOpts {
  readonly Service?: string | undefined;
  readonly ServiceSubset?: string | undefined;
  readonly Namespace?: string | undefined;
  readonly Partition?: string | undefined;
  readonly Datacenter?: string | undefined;
  readonly Peer?: string | undefined;
}

/** Consul's rewriteTarget: another service resets the subset; a given subset replaces it. */
function rewrite(service: string, subset: string, opts: TargetOpts): { service: string; subset: string } {
  let s = service;
  let sub = subset;
  if (opts.Service && opts.Service !== service) {
    s = opts.Service;
    sub = '';
  }
  if (opts.ServiceSubset) sub = opts.ServiceSubset;
  return { service: s, subset: sub };
}

/** Why rxds cannot reach what `opts` names (another datacenter, a peer, a namespace), or undefined. */
function unsupported(opts: TargetOpts & { SamenessGroup?: string | undefined }): string | undefined {
  if (opts.Datacenter && opts.Datacenter !== DATACENTER) return `datacenter "${opts.Datacenter}" (rxds has only ${DATACENTER})`;
  if (opts.Peer) return `cluster peer "${opts.Peer}" (rxds has no peering)`;
  if (opts.SamenessGroup) return `sameness group "${opts.SamenessGroup}" (rxds has no peering)`;
  if (!isDefaultTenancy(opts.Namespace)) return `namespace "${opts.Namespace}" (rxds has only "default")`;
  if (!isDefaultTenancy(opts.Partition)) return `partition "${opts.Partition}" (rxds has only "default")`;
  return undefined;
}

/** A record's own property (subset names are user data: "constructor" must not find Object's). */
function own<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function connectTimeoutMs(resolver: ServiceResolverEntry | undefined): number {
  const ms = durationMs(resolver?.ConnectTimeout);
  return ms !== undefined && ms > 0 ? ms : DEFAULT_CONNECT_TIMEOUT_MS;
}

/**
 * The target a request for `service` (and `subset`, '' for none) ends at, as Consul's getResolverNode finds it:
 * follows the service's resolver Redirect, then its DefaultSubset, until neither changes the target. A
 * redirect loop, a subset the resolver does not define, or a redirect rxds cannot follow is a ChainError.
 */
export function resolveTarget(ctx: ChainContext, service: string, subset: string): Resolved {
  const seen: string[] = [];
  let cur = { service, subset };
  for (;;) {
    const id = targetId(cur.service, cur.subset);
    if (seen.includes(id)) {
      throw ctx.fail(`circular resolver redirect: ${[...seen, id].join(' -> ')}`, configEntryKey('service-resolver', cur.service));
    }
    seen.push(id);
    const resolver = ctx.entry('service-resolver', cur.service);
    ctx.requireProtocol(cur.service);
    const entryKey = configEntryKey('service-resolver', cur.service);
    if (resolver?.Redirect) {
      const why = unsupported(resolver.Redirect);
      if (why) throw ctx.fail(`Redirect: cannot redirect to ${why}`, entryKey);
      const next = rewrite(cur.service, cur.subset, resolver.Redirect);
      if (targetId(next.service, next.subset) !== id) {
        cur = next;
        continue;
      }
    }
    if (cur.subset === '' && resolver?.DefaultSubset) {
      cur = { service: cur.service, subset: resolver.DefaultSubset };
      continue;
    }
    const def = cur.subset ? own(resolver?.Subsets, cur.subset) : undefined;
    if (cur.subset && !def) {
      const where = resolver ? entryKey : `${entryKey} (absent)`;
      throw ctx.fail(`service "${cur.service}" does not have a subset named "${cur.subset}" (${where})`);
    }
    const target = makeTarget({
      service: cur.service,
      subset: cur.subset || undefined,
      trustDomain: ctx.trustDomain,
      filter: def?.Filter || undefined,
      onlyPassing: def?.OnlyPassing ?? false,
      connectTimeoutMs: connectTimeoutMs(resolver),
    });
    ctx.targets.set(target.id, target);
    return { target, resolver };
  }
}

/** The failover options of a resolver for a subset ('' = none), as single-target options. */
function failoverOptions(ctx: ChainContext, f: ResolverFailover, key: string): TargetOpts[] {
  if (f.SamenessGroup) ctx.warn(`${key}: SamenessGroup "${f.SamenessGroup}" is ignored (rxds has no peering)`);
  if (f.Targets?.length) return f.Targets;
  const base = { Service: f.Service, ServiceSubset: f.ServiceSubset, Namespace: f.Namespace };
  if (f.Datacenters?.length) return f.Datacenters.map((dc) => ({ ...base, Datacenter: dc }));
  if (!f.Service && !f.ServiceSubset && !f.Namespace) return [];
  return [base];
}

/**
 * The resolver node for a request to `service`/`subset`: its (redirected, default-subset) target, failover
 * targets in order, connect timeout and load balancer. Nodes are shared by target id.
 */
export function resolverNode(ctx: ChainContext, service: string, subset: string): string {
  const { target, resolver } = resolveTarget(ctx, service, subset);
  const key = nodeKey.resolver(target.id);
  if (ctx.nodes.has(key)) return key;
  const failover: string[] = [];
  const entryKey = configEntryKey('service-resolver', target.service);
  const bySubset = own(resolver?.Failover, target.subset ?? '');
  const f = bySubset ?? own(resolver?.Failover, '*');
  if (f) {
    const which = bySubset ? (target.subset ?? '') : '*';
    for (const opts of failoverOptions(ctx, f, `${entryKey}: Failover.${which}`)) {
      const why = unsupported(opts);
      if (why) {
        ctx.warn(`${entryKey}: Failover.${which}: cannot fail over to ${why}; option skipped`);
        continue;
      }
      const next = rewrite(target.service, target.subset ?? '', opts);
      const t = resolveTarget(ctx, next.service, next.subset).target;
      if (t.id !== target.id && !failover.includes(t.id)) failover.push(t.id);
    }
  }
  const requestTimeoutMs = durationMs(resolver?.RequestTimeout);
  const loadBalancer = toLoadBalancer(resolver?.LoadBalancer);
  const node: ResolverNode = {
    type: 'resolver',
    name: target.id,
    target: target.id,
    failover,
    connectTimeoutMs: target.connectTimeoutMs,
    ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
    ...(loadBalancer ? { loadBalancer } : {}),
  };
  ctx.nodes.set(key, node);
  return key;
}
