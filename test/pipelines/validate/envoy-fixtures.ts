// A small but complete, valid sidecar + proxyless configuration built from the generated Envoy types:
// the baseline that the PGV gate must accept, and that the table tests break one field at a time.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy, type Cluster } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ApiVersion } from '../../../src/gen/envoy/config/core/v3/config_source_pb.js';
import { HealthStatus } from '../../../src/gen/envoy/config/core/v3/health_check_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema, type Listener } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RBAC_Action } from '../../../src/gen/envoy/config/rbac/v3/rbac_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import {
  HttpConnectionManagerSchema,
  HttpConnectionManager_CodecType,
  type HttpConnectionManager,
} from '../../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RBACSchema as NetworkRbacSchema } from '../../../src/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { TcpProxySchema } from '../../../src/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { SecretSchema, type Secret } from '../../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from '../../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { HttpProtocolOptionsSchema } from '../../../src/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';

export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

const ads = () => ({ configSourceSpecifier: { case: 'ads' as const, value: {} }, resourceApiVersion: ApiVersion.V3 });
const sds = (name: string) => ({ name, sdsConfig: ads() });
const socket = (address: string, port: number) => ({
  address: { case: 'socketAddress' as const, value: { address, portSpecifier: { case: 'portValue' as const, value: port } } },
});

export function routerFilter() {
  return { name: 'envoy.filters.http.router', configType: { case: 'typedConfig' as const, value: anyPack(RouterSchema, create(RouterSchema)) } };
}

export function hcm(routeConfigName = 'backend'): HttpConnectionManager {
  return create(HttpConnectionManagerSchema, {
    statPrefix: 'upstream.backend',
    codecType: HttpConnectionManager_CodecType.AUTO,
    routeSpecifier: { case: 'rds', value: { configSource: ads(), routeConfigName } },
    httpFilters: [routerFilter()],
  });
}

/** The sidecar's listener for its `backend` upstream: HCM with RDS and the router. */
export function upstreamListener(manager: HttpConnectionManager = hcm()): Listener {
  return create(ListenerSchema, {
    name: 'backend:127.0.0.1:9191',
    address: socket('127.0.0.1', 9191),
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            configType: { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, manager) },
          },
        ],
      },
    ],
  });
}

/** The public listener: mTLS, network RBAC, then tcp_proxy to the local app. */
export function publicListener(): Listener {
  const rbac = create(NetworkRbacSchema, {
    statPrefix: 'connect_authz',
    rules: {
      action: RBAC_Action.ALLOW,
      policies: {
        'consul-intentions-layer4': {
          permissions: [{ rule: { case: 'any', value: true } }],
          principals: [
            {
              identifier: {
                case: 'authenticated',
                value: { principalName: { matchPattern: { case: 'safeRegex', value: { regex: '^spiffe://[^/]+/ns/default/dc/[^/]+/svc/web$' } } } },
              },
            },
          ],
        },
      },
    },
  });
  const tls = create(DownstreamTlsContextSchema, {
    commonTlsContext: { tlsCertificateSdsSecretConfigs: [sds('default')], validationContextType: { case: 'validationContextSdsSecretConfig', value: sds('ROOTCA') } },
    requireClientCertificate: true,
  });
  return create(ListenerSchema, {
    name: 'public_listener:0.0.0.0:21000',
    address: socket('0.0.0.0', 21000),
    filterChains: [
      {
        filters: [
          { name: 'envoy.filters.network.rbac', configType: { case: 'typedConfig', value: anyPack(NetworkRbacSchema, rbac) } },
          {
            name: 'envoy.filters.network.tcp_proxy',
            configType: {
              case: 'typedConfig',
              value: anyPack(TcpProxySchema, create(TcpProxySchema, { statPrefix: 'public_listener', clusterSpecifier: { case: 'cluster', value: 'local_app' } })),
            },
          },
        ],
        transportSocket: { name: 'tls', configType: { case: 'typedConfig', value: anyPack(DownstreamTlsContextSchema, tls) } },
      },
    ],
  });
}

/** A proxyless gRPC API listener named by its target. */
export function apiListener(): Listener {
  return create(ListenerSchema, {
    name: 'backend',
    apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm('backend')) },
  });
}

/** An EDS upstream cluster with mTLS, circuit breakers, outlier detection and HTTP/2. */
export function edsCluster(): Cluster {
  const tls = create(UpstreamTlsContextSchema, {
    commonTlsContext: { tlsCertificateSdsSecretConfigs: [sds('default')], validationContextType: { case: 'validationContextSdsSecretConfig', value: sds('ROOTCA') } },
    sni: 'backend.default.dc1.internal.11111111-2222-3333-4444-555555555555.consul',
  });
  const http = create(HttpProtocolOptionsSchema, {
    upstreamProtocolOptions: { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http2ProtocolOptions', value: {} } } },
  });
  return create(ClusterSchema, {
    name: 'backend.default.dc1.internal.11111111-2222-3333-4444-555555555555.consul',
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads() },
    connectTimeout: { seconds: 5n },
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    circuitBreakers: { thresholds: [{ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024 }] },
    outlierDetection: { consecutive5xx: 5, interval: { seconds: 10n }, baseEjectionTime: { seconds: 30n }, maxEjectionPercent: 10 },
    transportSocket: { name: 'tls', configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, tls) } },
    typedExtensionProtocolOptions: { [HTTP_PROTOCOL_OPTIONS]: anyPack(HttpProtocolOptionsSchema, http) },
    metadata: { filterMetadata: { rxds: { service: 'backend' } } },
  });
}

export function loadAssignment(clusterName = edsCluster().name): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [
      {
        locality: { region: 'dc1' },
        loadBalancingWeight: 1,
        lbEndpoints: [
          { hostIdentifier: { case: 'endpoint', value: { address: socket('127.0.0.1', 8080) } }, healthStatus: HealthStatus.HEALTHY, loadBalancingWeight: 1 },
          { hostIdentifier: { case: 'endpoint', value: { address: socket('127.0.0.2', 8080) } }, healthStatus: HealthStatus.HEALTHY, loadBalancingWeight: 1 },
        ],
      },
    ],
  });
}

/** Routes: a header match to a subset, then an 80/20 split with a timeout and retries. */
export function routeConfiguration(): RouteConfiguration {
  return create(RouteConfigurationSchema, {
    name: 'backend',
    validateClusters: false,
    virtualHosts: [
      {
        name: 'backend',
        domains: ['*'],
        routes: [
          {
            match: {
              pathSpecifier: { case: 'prefix', value: '/' },
              headers: [{ name: 'x-canary', headerMatchSpecifier: { case: 'presentMatch', value: true } }],
            },
            action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'v2.backend' } } },
          },
          {
            match: { pathSpecifier: { case: 'prefix', value: '/' } },
            action: {
              case: 'route',
              value: {
                clusterSpecifier: {
                  case: 'weightedClusters',
                  value: { clusters: [{ name: 'v1.backend', weight: 80 }, { name: 'v2.backend', weight: 20 }] },
                },
                timeout: { seconds: 15n },
                retryPolicy: { retryOn: 'connect-failure,refused-stream', numRetries: 2 },
              },
            },
          },
        ],
      },
    ],
  });
}

export function secret(): Secret {
  return create(SecretSchema, {
    name: 'default',
    type: {
      case: 'tlsCertificate',
      value: {
        certificateChain: { specifier: { case: 'inlineString', value: '-----BEGIN CERTIFICATE-----\n...' } },
        privateKey: { specifier: { case: 'inlineString', value: '-----BEGIN PRIVATE KEY-----\n...' } },
      },
    },
  });
}
