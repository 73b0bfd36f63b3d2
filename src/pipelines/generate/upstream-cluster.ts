import { create } from '@bufbuild/protobuf';
import { CircuitBreakersSchema } from '../../gen/envoy/config/cluster/v3/circuit_breaker_pb.js';
import {
  ClusterSchema,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  Cluster_LeastRequestLbConfigSchema,
  Cluster_RingHashLbConfigSchema,
  type Cluster,
} from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import { OutlierDetectionSchema } from '../../gen/envoy/config/cluster/v3/outlier_detection_pb.js';
import type { ChainTarget, LoadBalancer, Protocol, ResolverNode } from '../chain/compiled-chain.js';
import { adsConfigSource, durationOf, http2ProtocolOptions, isHttp2 } from './envoy-values.js';
import type { Flavor } from './generation-input.js';
import type { ProxyConfig } from './proxy-config.js';
import { upstreamTls } from './tls-contexts.js';

export interface UpstreamClusterOptions {
  readonly flavor: Flavor;
  readonly protocol: Protocol;
  /** sidecar: the local service, whose leaf is the client certificate. */
  readonly localService?: string;
  /** sidecar: proxy-defaults Config (circuit breakers, outlier detection). */
  readonly proxyConfig?: ProxyConfig;
  /** Told when a load balancer policy is replaced by one the client supports. */
  readonly onPolicyMapped?: (from: string, to: string) => void;
}

/**
 * The cluster of one resolver: named by its target's SNI, endpoints by EDS over ADS, connect timeout and
 * load balancer from the resolver. An Envoy sidecar's cluster also speaks mTLS to the target's sidecars
 * (SDS secrets), HTTP/2 for http2/grpc services, and takes circuit breakers and outlier detection from
 * proxy-defaults. A proxyless gRPC client accepts only ROUND_ROBIN and RING_HASH: other policies become
 * ROUND_ROBIN (reported through onPolicyMapped).
 */
export function buildUpstreamCluster(resolver: ResolverNode, target: ChainTarget, options: UpstreamClusterOptions): Cluster {
  const cluster = create(ClusterSchema, {
    name: target.sni,
    altStatName: target.sni,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: adsConfigSource() },
    connectTimeout: durationOf(resolver.connectTimeoutMs > 0 ? resolver.connectTimeoutMs : target.connectTimeoutMs),
  });
  applyLoadBalancer(cluster, resolver.loadBalancer, options);
  if (options.flavor === 'sidecar') {
    if (options.localService) cluster.transportSocket = upstreamTls(options.localService, target.sni, target.spiffeId);
    if (isHttp2(options.protocol)) cluster.typedExtensionProtocolOptions = http2ProtocolOptions();
    applyProxyConfig(cluster, options.proxyConfig);
  }
  return cluster;
}

function applyLoadBalancer(cluster: Cluster, lb: LoadBalancer | undefined, options: UpstreamClusterOptions): void {
  const policy = lb?.policy ?? 'round_robin';
  if (options.flavor === 'proxyless' && policy !== 'round_robin' && policy !== 'ring_hash') {
    options.onPolicyMapped?.(policy, 'round_robin');
    cluster.lbPolicy = Cluster_LbPolicy.ROUND_ROBIN;
    return;
  }
  switch (policy) {
    case 'round_robin':
      cluster.lbPolicy = Cluster_LbPolicy.ROUND_ROBIN;
      break;
    case 'random':
      cluster.lbPolicy = Cluster_LbPolicy.RANDOM;
      break;
    case 'maglev':
      cluster.lbPolicy = Cluster_LbPolicy.MAGLEV;
      break;
    case 'least_request':
      cluster.lbPolicy = Cluster_LbPolicy.LEAST_REQUEST;
      if (lb?.leastRequest?.choiceCount !== undefined) {
        cluster.lbConfig = { case: 'leastRequestLbConfig', value: create(Cluster_LeastRequestLbConfigSchema, { choiceCount: lb.leastRequest.choiceCount }) };
      }
      break;
    case 'ring_hash': {
      cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
      const min = lb?.ringHash?.minimumRingSize;
      const max = lb?.ringHash?.maximumRingSize;
      if (min !== undefined || max !== undefined) {
        cluster.lbConfig = {
          case: 'ringHashLbConfig',
          value: create(Cluster_RingHashLbConfigSchema, {
            ...(min !== undefined ? { minimumRingSize: BigInt(min) } : {}),
            ...(max !== undefined ? { maximumRingSize: BigInt(max) } : {}),
          }),
        };
      }
      break;
    }
  }
}

function applyProxyConfig(cluster: Cluster, config: ProxyConfig | undefined): void {
  const limits = config?.limits;
  if (limits) {
    cluster.circuitBreakers = create(CircuitBreakersSchema, {
      thresholds: [
        {
          ...(limits.maxConnections !== undefined ? { maxConnections: limits.maxConnections } : {}),
          ...(limits.maxPendingRequests !== undefined ? { maxPendingRequests: limits.maxPendingRequests } : {}),
          ...(limits.maxConcurrentRequests !== undefined ? { maxRequests: limits.maxConcurrentRequests } : {}),
        },
      ],
    });
  }
  const phc = config?.passiveHealthCheck;
  if (phc) {
    cluster.outlierDetection = create(OutlierDetectionSchema, {
      ...(phc.maxFailures !== undefined ? { consecutive5xx: phc.maxFailures } : {}),
      ...(phc.intervalMs ? { interval: durationOf(phc.intervalMs) } : {}),
      ...(phc.baseEjectionTimeMs ? { baseEjectionTime: durationOf(phc.baseEjectionTimeMs) } : {}),
      ...(phc.maxEjectionPercent !== undefined ? { maxEjectionPercent: phc.maxEjectionPercent } : {}),
      ...(phc.enforcingConsecutive5xx !== undefined ? { enforcingConsecutive5xx: phc.enforcingConsecutive5xx } : {}),
    });
  }
}
