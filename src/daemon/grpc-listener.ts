import * as grpc from '@grpc/grpc-js';
import { shutdownGrpcServer } from '../core/grpc-shutdown.js';
import type { Logger } from '../core/logger.js';
import { MAX_RECEIVE_MESSAGE_BYTES, type XdsServer } from '../sinks/xds/xds-server.js';

export interface GrpcListenerOptions {
  /**
   * grpc.max_connection_age_ms: after about this long (grpc-js adds up to 10% jitter) the server sends
   * GOAWAY on a connection, so long-lived xDS streams move, on reconnect, to whichever replica the client
   * picks. 0 = never.
   */
  readonly maxConnectionAgeMs: number;
  /** grpc.max_connection_age_grace_ms: how long streams may go on after that GOAWAY before the connection is closed. */
  readonly maxConnectionAgeGraceMs: number;
  readonly logger: Logger;
  /** TLS / mTLS (src/daemon/tls-credentials.ts); default insecure. */
  readonly credentials?: grpc.ServerCredentials;
}

export interface GrpcListener {
  readonly port: number;
  /** GOAWAY on every connection, waits for them to close, forces them after `forceAfterMs`. */
  close(forceAfterMs?: number): Promise<void>;
}

/** The xDS server's services on a grpc-js server bound at `address`, with the connection-age options. */
export async function listenGrpc(xds: XdsServer, address: string, options: GrpcListenerOptions): Promise<GrpcListener> {
  const serverOptions: grpc.ServerOptions = { 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES };
  if (options.maxConnectionAgeMs > 0) {
    serverOptions['grpc.max_connection_age_ms'] = options.maxConnectionAgeMs;
    serverOptions['grpc.max_connection_age_grace_ms'] = options.maxConnectionAgeGraceMs;
  }
  const server = new grpc.Server(serverOptions);
  xds.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, options.credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  options.logger.info({ address, port, maxConnectionAgeMs: options.maxConnectionAgeMs || undefined }, 'xDS server listening');
  let closed: Promise<void> | undefined;
  return {
    port,
    close(forceAfterMs = 2000) {
      closed ??= shutdownGrpcServer(server, forceAfterMs, () =>
        options.logger.warn({ forceAfterMs }, 'gRPC connections still open; closing them'),
      );
      return closed;
    },
  };
}
