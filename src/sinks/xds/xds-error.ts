import type { status } from '@grpc/grpc-js';

/**
 * An error that ends one xDS stream (or refuses it) with a specific gRPC status. Thrown by the
 * embedder's `authorize` hook and by the stream state machines on protocol violations; every other
 * stream keeps being served.
 */
export class XdsError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'XdsError';
  }
}
