import { formatHostPort, parseHostPort, UsageError } from './address.js';
import { DEFAULT_GRPC_ADDR, type JsonObject } from './bootstrap-envoy.js';

export interface GrpcBootstrapOptions {
  /** node.id of the proxyless client (any name; it need not be registered). */
  readonly nodeId: string;
  /** rxds's xDS address, host:port (default 127.0.0.1:8502). */
  readonly grpcAddr?: string;
}

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
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: { id: options.nodeId, locality: {} },
  };
}
