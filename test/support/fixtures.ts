/**
 * Builders for the Envoy resources tests use, so that no test copies literals. Each returns a fresh
 * protobuf-es message; pass it to a ResourceEncoder (or `encodeSnapshot`) to get a Resource.
 */
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy, type Cluster } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ApiVersion, ConfigSourceSchema, type ConfigSource } from '../../src/gen/envoy/config/core/v3/config_source_pb.js';
import { HealthStatus } from '../../src/gen/envoy/config/core/v3/health_check_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema, type Listener } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../src/gen/envoy/config/route/v3/route_pb.js';
import { WeightedClusterSchema, type RouteAction } from '../../src/gen/envoy/config/route/v3/route_components_pb.js';
import { SecretSchema, type Secret } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { HttpConnectionManagerSchema } from '../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RouterSchema } from '../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import type { ResourceMessage } from '../../src/core/resource.js';

/** `ads: {}` with resource API v3: fetch over the same ADS stream. */
export function adsConfigSource(): ConfigSource {
  return create(ConfigSourceSchema, {
    configSourceSpecifier: { case: 'ads', value: {} },
    resourceApiVersion: ApiVersion.V3,
  });
}

export interface ClusterOptions {
  /** Connect timeout in seconds; change it to make an otherwise equal cluster "updated". */
  connectTimeoutSeconds?: number;
  lbPolicy?: Cluster_LbPolicy;
}

/** An EDS cluster (endpoints over ADS, ROUND_ROBIN), as grpc-js-xds accepts it. */
export function cluster(name: string, opts: ClusterOptions = {}): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: adsConfigSource() },
    connectTimeout: { seconds: BigInt(opts.connectTimeoutSeconds ?? 5) },
    lbPolicy: opts.lbPolicy ?? Cluster_LbPolicy.ROUND_ROBIN,
  });
}

/** An address as "host:port" or a port on 127.0.0.1. */
export type EndpointAddress = string | number;

function splitAddress(a: EndpointAddress): { host: string; port: number } {
  if (typeof a === 'number') return { host: '127.0.0.1', port: a };
  const i = a.lastIndexOf(':');
  return { host: a.slice(0, i), port: Number(a.slice(i + 1)) };
}

/**
 * A ClusterLoadAssignment with one locality (with `load_balancing_weight`, which grpc-js-xds requires)
 * holding the given endpoints, all HEALTHY.
 */
export function endpoints(clusterName: string, addresses: readonly EndpointAddress[], opts: { zone?: string } = {}): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [
      {
        locality: { region: 'local', zone: opts.zone ?? 'a' },
        loadBalancingWeight: 1,
        lbEndpoints: addresses.map((a) => {
          const { host, port } = splitAddress(a);
          return {
            healthStatus: HealthStatus.HEALTHY,
            hostIdentifier: {
              case: 'endpoint' as const,
              value: {
                address: {
                  address: {
                    case: 'socketAddress' as const,
                    value: { address: host, portSpecifier: { case: 'portValue' as const, value: port } },
                  },
                },
              },
            },
          };
        }),
      },
    ],
  });
}

/** `n` endpoints 10.x.y.z:8080 for a large assignment (e.g. to fill transport windows). */
export function manyEndpoints(clusterName: string, n: number, tag = 0): ClusterLoadAssignment {
  const addrs: string[] = [];
  for (let i = 0; i < n; i++) addrs.push(`10.${tag % 256}.${(i >> 8) & 255}.${i & 255}:8080`);
  return endpoints(clusterName, addrs);
}

/**
 * An API listener (proxyless gRPC): HttpConnectionManager taking routes `routeName` over ADS, with the
 * router filter last.
 */
export function apiListener(name: string, routeName: string, opts: { statPrefix?: string } = {}): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: opts.statPrefix ?? name,
    routeSpecifier: { case: 'rds', value: { configSource: adsConfigSource(), routeConfigName: routeName } },
    httpFilters: [
      {
        name: 'envoy.filters.http.router',
        configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema, {})) },
      },
    ],
  });
  return create(ListenerSchema, {
    name,
    apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm) },
  });
}

/** A weighted split: cluster name and its weight. */
export interface ClusterWeight {
  name: string;
  weight: number;
}

function routeAction(target: string | readonly ClusterWeight[]): RouteAction['clusterSpecifier'] {
  if (typeof target === 'string') return { case: 'cluster', value: target };
  return {
    case: 'weightedClusters',
    value: create(WeightedClusterSchema, { clusters: target.map((c) => ({ name: c.name, weight: c.weight })) }),
  };
}

/**
 * A route configuration with one virtual host for `domains`, whose catch-all route goes to one cluster
 * or splits between weighted clusters.
 */
export function routeConfig(name: string, domains: readonly string[], target: string | readonly ClusterWeight[]): RouteConfiguration {
  return create(RouteConfigurationSchema, {
    name,
    virtualHosts: [
      {
        name: `${name}-vh`,
        domains: [...domains],
        routes: [
          {
            match: { pathSpecifier: { case: 'prefix', value: '' } },
            action: { case: 'route', value: { clusterSpecifier: routeAction(target) } },
          },
        ],
      },
    ],
  });
}

/** A generic secret (SDS) with an inline value. */
export function secret(name: string, value = 'secret'): Secret {
  return create(SecretSchema, {
    name,
    type: { case: 'genericSecret', value: { secret: { specifier: { case: 'inlineString', value } } } },
  });
}

/** One cluster of a proxyless service and the endpoints behind it. */
export interface ProxylessCluster {
  name: string;
  /** Weight in the route's split; omit for a single cluster. */
  weight?: number;
  endpoints: readonly EndpointAddress[];
}

/**
 * The complete set grpc-js-xds needs for `xds:///<target>`: LDS (API listener named as the target), RDS
 * (virtual host whose domains include the target), CDS (EDS, ROUND_ROBIN) and EDS for every cluster.
 * One cluster routes directly; several are weighted clusters.
 */
export function proxylessService(target: string, clusters: readonly ProxylessCluster[]): ResourceMessage[] {
  const routeName = `${target}-route`;
  const only = clusters.length === 1 ? clusters[0] : undefined;
  const split = only ? only.name : clusters.map((c) => ({ name: c.name, weight: c.weight ?? 1 }));
  return [
    apiListener(target, routeName),
    routeConfig(routeName, [target], split),
    ...clusters.map((c) => cluster(c.name)),
    ...clusters.map((c) => endpoints(c.name, c.endpoints)),
  ];
}
