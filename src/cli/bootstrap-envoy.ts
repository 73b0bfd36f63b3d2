import { isIP } from 'node:net';
import { parseHostPort, UsageError, type HostPort } from './address.js';

/** The name of the static cluster through which Envoy reaches rxds's xDS server. */
export const XDS_CLUSTER_NAME = 'rxds_xds';

export const DEFAULT_GRPC_ADDR = '127.0.0.1:8502';
export const DEFAULT_ADMIN_BIND = '127.0.0.1:19000';

export interface EnvoyBootstrapOptions {
  /** node.id: the ID of the registered connect-proxy service. */
  readonly proxyId: string;
  /** node.cluster: the proxy's service name when known (Envoy needs a non-empty cluster); default the proxy ID. */
  readonly cluster?: string;
  /** rxds's xDS address, host:port (default 127.0.0.1:8502). */
  readonly grpcAddr?: string;
  /** Envoy's admin listener, host:port (default 127.0.0.1:19000). */
  readonly adminBind?: string;
  /** ACL token sent as `x-consul-token` on the xDS stream. */
  readonly token?: string;
  /** rxds serves xDS over TLS (`--grpc-tls-*`): trust `caFile`, present `certFile`/`keyFile` under mTLS. */
  readonly tls?: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string };
}

/** A JSON object (protobuf JSON mapping of envoy.config.bootstrap.v3.Bootstrap, proto field names). */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

const HTTP_PROTOCOL_OPTIONS = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function socketAddress(hp: HostPort): JsonObject {
  return { socket_address: { address: hp.host, port_value: hp.port } };
}

/**
 * The Envoy bootstrap for a sidecar (`rxds bootstrap envoy`): the admin listener, one static cluster
 * (HTTP/2) to rxds's xDS server, and LDS/CDS over delta ADS on that cluster. Everything else (listeners,
 * clusters, routes, endpoints, secrets) then comes over ADS. Pure: the caller prints it.
 */
export function envoyBootstrap(options: EnvoyBootstrapOptions): JsonObject {
  if (options.proxyId.trim() === '') throw new UsageError('--proxy-id: must not be empty');
  const xds = parseHostPort(options.grpcAddr ?? DEFAULT_GRPC_ADDR, '--grpc-addr');
  if (xds.port === 0) throw new UsageError('--grpc-addr: port 0 cannot be dialled; give the port rxds listens on');
  const admin = parseHostPort(options.adminBind ?? DEFAULT_ADMIN_BIND, '--admin-bind');
  const grpcService: JsonObject = { envoy_grpc: { cluster_name: XDS_CLUSTER_NAME } };
  if (options.token) grpcService['initial_metadata'] = [{ key: 'x-consul-token', value: options.token }];
  const ads = (): JsonObject => ({ ads: {}, resource_api_version: 'V3' });
  return {
    node: { id: options.proxyId, cluster: options.cluster || options.proxyId },
    admin: { address: socketAddress(admin) },
    static_resources: {
      clusters: [
        {
          name: XDS_CLUSTER_NAME,
          type: 'STATIC',
          connect_timeout: '1s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': HTTP_PROTOCOL_OPTIONS,
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          ...(options.tls ? { transport_socket: upstreamTls(options.tls, xds.host) } : {}),
          load_assignment: {
            cluster_name: XDS_CLUSTER_NAME,
            endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(xds) } }] }],
          },
        },
      ],
    },
    dynamic_resources: {
      lds_config: ads(),
      cds_config: ads(),
      ads_config: {
        api_type: 'DELTA_GRPC',
        transport_api_version: 'V3',
        grpc_services: [grpcService],
      },
    },
  };
}

/** The xDS cluster's TLS: verify rxds's certificate against the CA (and its name), present a client certificate for mTLS. */
function upstreamTls(tls: NonNullable<EnvoyBootstrapOptions['tls']>, host: string): JsonObject {
  if (!tls.certFile !== !tls.keyFile) throw new UsageError('a client certificate needs both its certificate and key files');
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      ...(isIP(host) ? {} : { sni: host }),
      common_tls_context: {
        validation_context: { trusted_ca: { filename: tls.caFile } },
        ...(tls.certFile && tls.keyFile
          ? { tls_certificates: [{ certificate_chain: { filename: tls.certFile }, private_key: { filename: tls.keyFile } }] }
          : {}),
      },
    },
  };
}
