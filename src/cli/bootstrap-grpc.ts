import { formatHostPort, parseHostPort, UsageError } from './address.js';
import { DEFAULT_GRPC_ADDR, type JsonObject } from './bootstrap-envoy.js';
import { PROXYLESS_CERT_PROVIDER, PROXYLESS_MTLS_METADATA } from '../pipelines/generate/names.js';

export interface GrpcBootstrapOptions {
  /** node.id of the proxyless client (any name; it need not be registered). */
  readonly nodeId: string;
  /** rxds's xDS address, host:port (default 127.0.0.1:8502). */
  readonly grpcAddr?: string;
  /**
   * rxds serves xDS over TLS (`--grpc-tls-*`): trust `caFile`, and present `certFile`/`keyFile` under mTLS.
   * Emitted as gRFC A65 `tls` channel credentials (grpc-go/grpc-java; grpc-js-xds 1.14 knows only insecure).
   */
  readonly tls?: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string };
  /**
   * Mesh mTLS between proxyless peers: the workload's leaf certificate, key and the mesh roots as files (from
   * GET /v1/agent/connect/ca/leaf/:service and /v1/connect/ca/roots), read by gRPC's file_watcher provider.
   */
  readonly mtls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  /** Add the listener name template an xDS-enabled gRPC server (XdsServer) asks for. */
  readonly server?: boolean;
}

/** The listener name template of proxyless gRPC servers (rxds answers it with the service at that address). */
export const SERVER_LISTENER_TEMPLATE = 'grpc/server?xds.resource.listening_address=%s';

/**
 * The bootstrap a proxyless gRPC client reads from `GRPC_XDS_BOOTSTRAP` (a file) or
 * `GRPC_XDS_BOOTSTRAP_CONFIG` (the JSON itself) (`rxds bootstrap grpc`): one insecure xDS server speaking
 * xDS v3, and the node with a locality (grpc-js-xds requires one; empty is fine). Pure: the caller prints it.
 */
export function grpcBootstrap(options: GrpcBootstrapOptions): JsonObject {
  if (options.nodeId.trim() === '') throw new UsageError('--node-id: must not be empty');
  const xds = parseHostPort(options.grpcAddr ?? DEFAULT_GRPC_ADDR, '--grpc-addr');
  if (xds.port === 0) throw new UsageError('--grpc-addr: port 0 cannot be dialled; give the port rxds listens on');
  return {
    xds_servers: [
      {
        server_uri: formatHostPort(xds),
        channel_creds: [options.tls ? { type: 'tls', config: tlsConfig(options.tls) } : { type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: { id: options.nodeId, locality: {}, ...(options.mtls ? { metadata: { [PROXYLESS_MTLS_METADATA]: 'true' } } : {}) },
    ...(options.mtls
      ? {
          certificate_providers: {
            [PROXYLESS_CERT_PROVIDER]: {
              plugin_name: 'file_watcher',
              config: {
                certificate_file: options.mtls.certFile,
                private_key_file: options.mtls.keyFile,
                ca_certificate_file: options.mtls.caFile,
                refresh_interval: '60s',
              },
            },
          },
        }
      : {}),
    ...(options.server ? { server_listener_resource_name_template: SERVER_LISTENER_TEMPLATE } : {}),
  };
}

function tlsConfig(tls: NonNullable<GrpcBootstrapOptions['tls']>): JsonObject {
  if (!tls.certFile !== !tls.keyFile) throw new UsageError('a client certificate needs both its certificate and key files');
  return {
    ca_certificate_file: tls.caFile,
    ...(tls.certFile && tls.keyFile ? { certificate_file: tls.certFile, private_key_file: tls.keyFile } : {}),
  };
}
