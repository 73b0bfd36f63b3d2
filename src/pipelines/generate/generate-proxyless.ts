import type { ResourceMessage } from '../../core/resource.js';
import { buildApiListener } from './api-listener.js';
import { dedupeMessages } from './dedupe-messages.js';
import { generateUpstream, type GenerateContext } from './generate-upstream.js';
import { targetService, type ProxylessInput } from './generation-input.js';
import { buildRouteConfiguration } from './route-configuration.js';

/**
 * The configuration of a proxyless gRPC client: per target it asked for (`backend` or `backend:port`)
 * whose service exists, an API listener and a route configuration both named as the target (the virtual
 * host's domain is the target), and the clusters and endpoints of the service's discovery chain. A target
 * naming a service that does not exist gets nothing: the client is told the listener does not exist.
 * A cluster the client still subscribes to but no target's chain has any more (a split just removed, calls in
 * flight still on it) is kept, with its endpoints, while its service and subset exist (`held`).
 */
export function generateProxyless(ctx: GenerateContext, input: ProxylessInput): ResourceMessage[] {
  const out: ResourceMessage[] = [];
  for (const target of input.targets) {
    const upstream = input.upstreams[targetService(target)];
    const chain = upstream?.chain;
    if (!upstream?.exists || !chain) continue;
    out.push(ctx.cache.memo(chain, `lds|${target}`, () => buildApiListener(target)));
    out.push(ctx.cache.memo(chain, `rds|proxyless|${target}`, () => buildRouteConfiguration(target, [target], chain, 'proxyless')));
    const resources = generateUpstream(ctx, upstream, 'proxyless');
    out.push(...resources.clusters, ...resources.loadAssignments);
  }
  const generated = new Set(out.flatMap((m) => (m.$typeName === 'envoy.config.cluster.v3.Cluster' ? [m.name] : [])));
  for (const name of input.clusters ?? []) {
    const held = input.held?.[name];
    if (generated.has(name) || !held?.exists || !held.chain) continue;
    const resources = generateUpstream(ctx, held, 'proxyless');
    out.push(...resources.clusters.filter((c) => c.name === name), ...resources.loadAssignments.filter((l) => l.clusterName === name));
  }
  return dedupeMessages(out);
}
