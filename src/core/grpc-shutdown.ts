import type * as grpc from '@grpc/grpc-js';

/**
 * Graceful shutdown of a grpc-js server: stop accepting and let every call end, forced after `forceAfterMs`
 * if some connection lingers (`onForce` is told first, e.g. to log it). Resolves once the server is down.
 */
export function shutdownGrpcServer(server: grpc.Server, forceAfterMs = 2000, onForce?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      onForce?.();
      server.forceShutdown();
      resolve();
    }, forceAfterMs);
    force.unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
