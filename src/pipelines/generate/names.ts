/**
 * Every well-known name in generated Envoy / proxyless-gRPC configuration, in one place. Names follow Consul's
 * so that operators who know Consul's config dumps find their way.
 */

/** The sidecar's cluster to the application it fronts (STATIC, LocalServiceAddress:LocalServicePort). */
export const LOCAL_APP_CLUSTER = 'local_app';

/** Prefix of the sidecar's inbound (mTLS) listener: `public_listener:<address>:<port>`. */
export const PUBLIC_LISTENER_PREFIX = 'public_listener';

export function publicListenerName(address: string, port: number): string {
  return `${PUBLIC_LISTENER_PREFIX}:${address}:${port}`;
}

/** A sidecar's outbound listener for one upstream: `<destination>:<bind address>:<bind port>`. */
export function upstreamListenerName(destination: string, address: string, port: number): string {
  return `${destination}:${address}:${port}`;
}

/** The SDS secret holding a service's leaf certificate and key (served by the CA). */
export function leafSecretName(service: string): string {
  return service;
}

/** The SDS secret holding the trust bundle (the CA's roots) every mTLS peer is validated against. */
export const ROOTS_SECRET_NAME = 'ROOTCA';

/** Address the sidecar's public listener binds when its registration has none. */
export const DEFAULT_PUBLIC_BIND_ADDRESS = '0.0.0.0';

/** Address an upstream listener binds when its registration has none. */
export const DEFAULT_UPSTREAM_BIND_ADDRESS = '127.0.0.1';

/** Connect timeout of `local_app` unless proxy-defaults Config sets `local_connect_timeout_ms`. */
export const DEFAULT_LOCAL_CONNECT_TIMEOUT_MS = 5000;

/** Datacenter of every locality rxds generates (rxds is one datacenter). */
export const DATACENTER = 'dc1';

/** Envoy extension names. */
export const Filter = {
  httpConnectionManager: 'envoy.filters.network.http_connection_manager',
  tcpProxy: 'envoy.filters.network.tcp_proxy',
  networkRbac: 'envoy.filters.network.rbac',
  router: 'envoy.filters.http.router',
  tlsTransportSocket: 'envoy.transport_sockets.tls',
  httpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

/** Envoy's HTTP RBAC filter (what grpc-js-xds servers enforce intentions with). */
export const HTTP_RBAC_FILTER = 'envoy.filters.http.rbac';

/**
 * The certificate provider instance (bootstrap `certificate_providers`) a proxyless gRPC peer with mTLS
 * loads its leaf and the trust bundle from; `rxds bootstrap grpc` and the docs name it so.
 */
export const PROXYLESS_CERT_PROVIDER = 'rxds';

/** Node metadata key (`"true"` or true) by which a proxyless gRPC node opts in to mTLS (also `rxds_mtls`). */
export const PROXYLESS_MTLS_METADATA = 'RXDS_MTLS';
