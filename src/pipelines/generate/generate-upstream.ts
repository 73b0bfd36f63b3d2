import type { Cluster } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Logger } from '../../core/logger.js';
import type { ProxyDefaultsEntry } from '../../sources/config-entries/proxy-defaults.js';
import type { ResolverNode } from '../chain/compiled-chain.js';
import type { GenerationCache } from './generation-cache.js';
import type { EndpointInstance, Flavor, UpstreamInput } from './generation-input.js';
import { buildLoadAssignment } from './load-assignment.js';
import { parseProxyConfig, type ProxyConfig } from './proxy-config.js';
import { buildUpstreamCluster } from './upstream-cluster.js';

/** What every generator shares: the memo cache, the logger, and the options of the process. */
export interface GenerateContext {
  readonly cache: GenerationCache;
  readonly logger: Logger;
  /** Intentions' default (ACL default policy allow → true). */
  readonly intentionsDefaultAllow: boolean;
}

export interface UpstreamResources {
  readonly clusters: readonly Cluster[];
  readonly loadAssignments: readonly ClusterLoadAssignment[];
}

const NO_INSTANCES: readonly EndpointInstance[] = Object.freeze([]);
const NO_UPSTREAM: UpstreamResources = Object.freeze({ clusters: [], loadAssignments: [] });
const NO_DEFAULTS = {};

/** proxy-defaults' Config as Envoy settings, parsed once per entry. */
export function proxyConfigOf(ctx: GenerateContext, entry: ProxyDefaultsEntry | undefined): ProxyConfig {
  return ctx.cache.memo(entry ?? NO_DEFAULTS, 'proxy-config', () => parseProxyConfig(entry?.Config));
}

/**
 * The clusters (one per resolver of the chain, sorted by name) and their endpoints for one upstream.
 * Built once per change and shared by every proxy with this upstream: clusters are memoized on the chain
 * (and the flavor, local service and proxy-defaults they depend on), each cluster's endpoints on the
 * instance lists of the services it draws from, so a health change of one service rebuilds only the
 * endpoints that contain it.
 */
export function generateUpstream(
  ctx: GenerateContext,
  input: UpstreamInput,
  flavor: Flavor,
  localService?: string,
  proxyDefaults?: ProxyDefaultsEntry,
): UpstreamResources {
  const chain = input.chain;
  if (!chain) return NO_UPSTREAM;
  const resolvers = Object.entries(chain.nodes)
    .filter((e): e is [string, ResolverNode] => e[1].type === 'resolver')
    .sort(([, a], [, b]) => compare(chain.targets[a.target]!.sni, chain.targets[b.target]!.sni));
  const clusterKey = `cds|${flavor}|${localService ?? ''}|${ctx.cache.idOf(flavor === 'sidecar' ? proxyDefaults ?? NO_DEFAULTS : undefined)}`;
  const clusters = ctx.cache.memo(chain, clusterKey, () => {
    const proxyConfig = flavor === 'sidecar' ? proxyConfigOf(ctx, proxyDefaults) : undefined;
    return dedupe(
      resolvers.map(([, r]) =>
        buildUpstreamCluster(r, chain.targets[r.target]!, {
          flavor,
          protocol: chain.protocol,
          ...(localService !== undefined ? { localService } : {}),
          ...(proxyConfig ? { proxyConfig } : {}),
          onPolicyMapped: (from, to) =>
            ctx.logger.warn({ service: chain.serviceName, cluster: chain.targets[r.target]!.sni, from, to }, 'load balancer policy not supported by proxyless gRPC: replaced'),
        }),
      ),
    );
  });
  const loadAssignments = dedupe(
    resolvers.map(([key, r]) => {
      const services = [r.target, ...r.failover].map((id) => chain.targets[id]?.service ?? '');
      const lists = services.map((s) => input.instances[s] ?? NO_INSTANCES);
      const owner = lists[0] === NO_INSTANCES ? chain : lists[0]!;
      const edsKey = `eds|${ctx.cache.idOf(chain)}|${key}|${lists.slice(1).map((l) => ctx.cache.idOf(l)).join(',')}`;
      return ctx.cache.memo(owner, edsKey, () => buildLoadAssignment(r, chain.targets, input.instances));
    }),
  );
  return { clusters, loadAssignments };
}

function dedupe<T extends { name?: string; clusterName?: string }>(messages: T[]): T[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    const n = m.name ?? m.clusterName ?? '';
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
