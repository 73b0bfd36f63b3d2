import { Observable, race, ReplaySubject, share, timer, finalize, type SchedulerLike } from 'rxjs';
import type { Node } from '../../gen/envoy/config/core/v3/base_pb.js';
import type { Logger } from '../../core/logger.js';
import type { Resource, ResourceEncoder } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import type { Catalog } from '../../sources/catalog/catalog.js';
import { GenerationCache } from '../generate/generation-cache.js';
import { ResourceGate } from '../validate/check-resource.js';
import { DeliveryLimiter } from './delivery-limiter.js';
import type { InvalidResource } from './gate-resources.js';
import { NodeTargets, type Subscriptions } from './node-targets.js';
import { intentionsDefault$, type IntentionsDefault } from './intentions-default.js';
import type { TrustDomain } from './trust-domain.js';
import { proxyPipeline, type PipelineShared } from './proxy-pipeline.js';
import type { ProxySnapshot } from './proxy-snapshot.js';
import { UpstreamInputs } from './upstream-inputs.js';

export interface ProxyManagerDeps {
  readonly catalog: Catalog;
  /** The process's one encoder (shared bytes for every stream). */
  readonly encoder: ResourceEncoder;
  readonly scheduler: SchedulerLike;
  /** Quiet time before a change is built (`--debounce-ms`). */
  readonly debounceMs: number;
  /** A change waits at most this long (`--debounce-max-ms`). */
  readonly debounceMaxMs: number;
  /** How long a node's pipeline (and its last snapshot) outlives its last stream. */
  readonly graceMs: number;
  /**
   * The mesh's trust domain; an Observable to follow the CA's (each change recompiles every chain: the proxies
   * with upstreams, sidecars and proxyless clients, are rebuilt with the new cluster names, SNI and SANs; the
   * others build nothing). Until its first value no proxy with upstreams gets a configuration.
   */
  readonly trustDomain: TrustDomain;
  readonly logger: Logger;
  /** Global cap on snapshot builds/deliveries per second, all proxies together (Infinity or 0: none). */
  readonly maxSnapshotsPerSecond: number;
  /** A generated resource failed the PGV gate (a bug): for a metric. It is logged either way. */
  readonly onInvalidResource?: (invalid: InvalidResource) => void;
  /**
   * Intentions' default: allow (ACL default_policy allow, the default) or deny; an Observable to follow the
   * configuration (each change rebuilds the sidecars, whose inbound RBAC depends on it, and nothing else).
   */
  readonly intentionsDefaultAllow?: IntentionsDefault;
  /** Told of every snapshot built, with the proxy's kind (for the snapshot-builds metric). */
  readonly onSnapshotBuilt?: (kind: 'sidecar' | 'proxyless') => void;
  /** Told how long each coalesced change waited in the debounce, in ms (for the debounce-time metric). */
  readonly onDebounced?: (waitedMs: number) => void;
  /** The gate to use (default: a new ResourceGate). */
  readonly gate?: ResourceGate;
  /** Address of instances registered without one (default 127.0.0.1: rxds is its own agent). */
  readonly nodeAddress?: string;
  /**
   * A service's SDS Secrets as they change (the CA's leaf and trust bundle, encoded once per change, e.g.
   * `(s) => serviceSecrets$(ca.leaf$(s), ca.roots$, secretResources)`). Sidecars then get their leaf and the
   * roots in their snapshot and wait for them before their first one. Without it they get none.
   */
  readonly secrets?: (service: string) => Observable<{ readonly leaf: Resource; readonly roots: Resource }>;
}

/** What a snapshot function is told about the stream asking (structurally the xDS server's StreamInfo). */
export interface ProxyStreamInfo {
  readonly streamId: string;
  readonly subscriptions$?: Observable<Subscriptions>;
}

export interface ProxyManagerStats {
  /** Per-proxy pipelines alive (streams connected, or within their grace period). */
  readonly proxies: number;
  /** Snapshots built since start (one per proxy per coalesced change). */
  readonly builds: number;
  /** Shared resources built (memo misses): a change to a shared upstream counts once, not per proxy. */
  readonly sharedBuilds: number;
  /** Builds that waited for the global cap. */
  readonly delayed: number;
}

export interface ProxyManager {
  /** The xDS server's snapshot function: `createXdsServer({ snapshots: manager.snapshots })`. */
  readonly snapshots: (node: Node, info: ProxyStreamInfo) => Observable<Snapshot>;
  stats(): ProxyManagerStats;
  /**
   * Shutting down: grace periods end at once, so every pipeline whose streams have ended (or end later) is
   * torn down and unsubscribes from its sources now, leaving no timer behind. Streams still open keep theirs.
   */
  close(): void;
}

interface NodeEntry {
  readonly targets: NodeTargets;
  readonly snapshot$: Observable<Snapshot>;
}

/**
 * Per-proxy pipelines, created on a node's first stream and shared by all its streams: one pipeline per
 * node id, replaying its latest snapshot, torn down `graceMs` after its last stream ended (a reconnect
 * within the grace period finds the same snapshot and no new subscription to the sources is made).
 */
export function createProxyManager(deps: ProxyManagerDeps): ProxyManager {
  const logger = deps.logger;
  const cache = new GenerationCache();
  const gate = deps.gate ?? new ResourceGate();
  const limiter = new DeliveryLimiter(deps.maxSnapshotsPerSecond, deps.scheduler);
  let builds = 0;
  const shared: PipelineShared = {
    catalog: deps.catalog,
    upstreams: new UpstreamInputs({
      catalog: deps.catalog,
      trustDomain: deps.trustDomain,
      scheduler: deps.scheduler,
      logger,
      ...(deps.nodeAddress !== undefined ? { nodeAddress: deps.nodeAddress } : {}),
    }),
    generate: { cache, logger, intentionsDefaultAllow: typeof deps.intentionsDefaultAllow === 'boolean' ? deps.intentionsDefaultAllow : true },
    intentionsDefault$: intentionsDefault$(deps.intentionsDefaultAllow),
    gate: { encoder: deps.encoder, gate, logger, ...(deps.onInvalidResource ? { onInvalidResource: deps.onInvalidResource } : {}) },
    limiter,
    scheduler: deps.scheduler,
    debounceMs: deps.debounceMs,
    debounceMaxMs: deps.debounceMaxMs,
    logger,
    ...(deps.secrets ? { secrets: deps.secrets } : {}),
    onBuild: (_nodeId: string, state: ProxySnapshot) => {
      builds++;
      deps.onSnapshotBuilt?.(state.kind);
    },
    ...(deps.onDebounced ? { onDebounced: deps.onDebounced } : {}),
  };
  const nodes = new Map<string, NodeEntry>();
  const closed = new ReplaySubject<void>(1);

  const entryOf = (nodeId: string): NodeEntry => {
    let entry = nodes.get(nodeId);
    if (entry) return entry;
    const targets = new NodeTargets();
    const created: NodeEntry = {
      targets,
      snapshot$: proxyPipeline(nodeId, targets.targets$, shared, targets.clusters$).pipe(
        finalize(() => {
          if (nodes.get(nodeId) === created) nodes.delete(nodeId);
          logger.debug({ nodeId }, 'proxy pipeline torn down');
        }),
        share({
          connector: () => new ReplaySubject<Snapshot>(1),
          resetOnError: true,
          resetOnComplete: true,
          resetOnRefCountZero: () => race(timer(deps.graceMs, deps.scheduler), closed),
        }),
      ),
    };
    entry = created;
    nodes.set(nodeId, entry);
    logger.debug({ nodeId }, 'proxy pipeline created');
    return entry;
  };

  return {
    snapshots: (node, info) =>
      new Observable<Snapshot>((subscriber) => {
        const entry = entryOf(node.id);
        entry.targets.add(info.streamId, info.subscriptions$);
        const sub = entry.snapshot$.subscribe(subscriber);
        return () => {
          sub.unsubscribe();
          entry.targets.remove(info.streamId);
        };
      }),
    stats: () => ({ proxies: nodes.size, builds, sharedBuilds: cache.builds, delayed: limiter.delayed }),
    close: () => closed.next(),
  };
}

/** The snapshot function alone: `createXdsServer({ snapshots: createProxySnapshots(deps) })`. */
export function createProxySnapshots(deps: ProxyManagerDeps): (node: Node, info: ProxyStreamInfo) => Observable<Snapshot> {
  return createProxyManager(deps).snapshots;
}
