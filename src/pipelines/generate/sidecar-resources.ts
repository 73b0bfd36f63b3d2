import { create } from '@bufbuild/protobuf';
import { ClusterSchema, Cluster_DiscoveryType, type Cluster } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import { TrafficDirection } from '../../gen/envoy/config/core/v3/base_pb.js';
import { FilterSchema, type Filter as ListenerFilter } from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import { ListenerSchema, type Listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import {
  HttpConnectionManagerSchema,
  HttpConnectionManager_CodecType,
  type HttpFilter,
} from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { CompiledChain, Protocol } from '../chain/compiled-chain.js';
import type { ServiceRecord } from '../../sources/store/catalog-state.js';
import { adsConfigSource, durationOf, http2ProtocolOptions, isHttp2, isL7, routerFilter, socketAddress, typed } from './envoy-values.js';
import {
  DEFAULT_LOCAL_CONNECT_TIMEOUT_MS,
  DEFAULT_PUBLIC_BIND_ADDRESS,
  DEFAULT_UPSTREAM_BIND_ADDRESS,
  Filter,
  LOCAL_APP_CLUSTER,
  publicListenerName,
  upstreamListenerName,
} from './names.js';
import { downstreamTls } from './tls-contexts.js';

function networkFilter(name: string, config: ReturnType<typeof typed>): ListenerFilter {
  return create(FilterSchema, { name, configType: { case: 'typedConfig', value: config } });
}

function tcpProxy(statPrefix: string, cluster: string): ListenerFilter {
  return networkFilter(Filter.tcpProxy, typed(TcpProxySchema, create(TcpProxySchema, { statPrefix, clusterSpecifier: { case: 'cluster', value: cluster } })));
}

/**
 * The sidecar's inbound listener on the proxy's registered address and port: mTLS (the local service's
 * leaf, client certificates required), intentions as RBAC first, then either a TCP proxy or an HTTP
 * connection manager (by the local service's protocol) to `local_app`. `rbac`: a network RBAC filter (tcp);
 * `httpRbac`: an HTTP RBAC filter put before the router (http-based protocols, with L7 permissions).
 */
export function buildPublicListener(proxy: ServiceRecord, localProtocol: Protocol, rbac: ListenerFilter | undefined, httpRbac?: HttpFilter): Listener {
  const address = proxy.Address || DEFAULT_PUBLIC_BIND_ADDRESS;
  const localService = proxy.Proxy?.DestinationServiceName ?? proxy.Service;
  const filters: ListenerFilter[] = rbac ? [rbac] : [];
  if (isL7(localProtocol)) {
    const hcm = create(HttpConnectionManagerSchema, {
      statPrefix: 'public_listener',
      codecType: HttpConnectionManager_CodecType.AUTO,
      routeSpecifier: {
        case: 'routeConfig',
        value: {
          name: 'public_listener',
          virtualHosts: [
            { name: 'public_listener', domains: ['*'], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: LOCAL_APP_CLUSTER } } } }] },
          ],
        },
      },
      httpFilters: httpRbac ? [httpRbac, routerFilter()] : [routerFilter()],
      ...(isHttp2(localProtocol) ? { http2ProtocolOptions: {} } : {}),
    });
    filters.push(networkFilter(Filter.httpConnectionManager, typed(HttpConnectionManagerSchema, hcm)));
  } else {
    filters.push(tcpProxy('public_listener', LOCAL_APP_CLUSTER));
  }
  return create(ListenerSchema, {
    name: publicListenerName(address, proxy.Port),
    address: socketAddress(address, proxy.Port),
    trafficDirection: TrafficDirection.INBOUND,
    filterChains: [{ filters, transportSocket: downstreamTls(localService) }],
  });
}

/** `local_app`: the application the sidecar fronts (STATIC, LocalServiceAddress:LocalServicePort). */
export function buildLocalAppCluster(proxy: ServiceRecord, localProtocol: Protocol, connectTimeoutMs = DEFAULT_LOCAL_CONNECT_TIMEOUT_MS): Cluster {
  const address = proxy.Proxy?.LocalServiceAddress || '127.0.0.1';
  const port = proxy.Proxy?.LocalServicePort ?? 0;
  return create(ClusterSchema, {
    name: LOCAL_APP_CLUSTER,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: durationOf(connectTimeoutMs),
    loadAssignment: {
      clusterName: LOCAL_APP_CLUSTER,
      endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socketAddress(address, port) } } }] }],
    },
    ...(isHttp2(localProtocol) ? { typedExtensionProtocolOptions: http2ProtocolOptions() } : {}),
  });
}

/**
 * The listener for one upstream on its local bind address and port: an HTTP connection manager taking
 * its routes (named as the upstream) over ADS for an L7 chain, a TCP proxy to the chain's target
 * otherwise. Undefined when the chain ends nowhere a TCP proxy can go (no resolver at its start).
 */
export function buildUpstreamListener(destination: string, bindAddress: string, bindPort: number, chain: CompiledChain): Listener | undefined {
  const address = bindAddress || DEFAULT_UPSTREAM_BIND_ADDRESS;
  const statPrefix = `upstream.${destination}`;
  let filter: ListenerFilter;
  if (isL7(chain.protocol)) {
    const hcm = create(HttpConnectionManagerSchema, {
      statPrefix,
      codecType: HttpConnectionManager_CodecType.AUTO,
      routeSpecifier: { case: 'rds', value: { configSource: adsConfigSource(), routeConfigName: destination } },
      httpFilters: [routerFilter()],
      ...(isHttp2(chain.protocol) ? { http2ProtocolOptions: {} } : {}),
    });
    filter = networkFilter(Filter.httpConnectionManager, typed(HttpConnectionManagerSchema, hcm));
  } else {
    const start = chain.nodes[chain.startNode];
    if (start?.type !== 'resolver') return undefined;
    filter = tcpProxy(statPrefix, chain.targets[start.target]!.sni);
  }
  return create(ListenerSchema, {
    name: upstreamListenerName(destination, address, bindPort),
    address: socketAddress(address, bindPort),
    trafficDirection: TrafficDirection.OUTBOUND,
    filterChains: [{ filters: [filter] }],
  });
}
