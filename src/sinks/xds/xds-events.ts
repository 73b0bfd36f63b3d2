import type { status } from '@grpc/grpc-js';

interface EventBase {
  readonly streamId: string;
  /** `node.id` of the client ('' before its first request arrived). */
  readonly nodeId: string;
  /** Injected wall clock, milliseconds. */
  readonly at: number;
}

/** Discrete xDS events, for metrics and logs. */
export type XdsEvent =
  | (EventBase & { readonly type: 'stream-open'; readonly kind: 'sotw' | 'delta'; readonly typeUrl?: string; readonly peer: string })
  | (EventBase & {
      readonly type: 'stream-close';
      readonly kind: 'sotw' | 'delta';
      /** The gRPC status the stream ended with (OK for a clean end or a client cancel). */
      readonly code: status;
      readonly reason: string;
      readonly durationMs: number;
    })
  | (EventBase & {
      readonly type: 'push';
      readonly typeUrl: string;
      readonly version: string;
      readonly nonce: string;
      /** Resources in the response, and names in removed_resources (Delta) or dropped from a full set (SotW). */
      readonly resources: number;
      readonly removed: number;
      /** Encoded size of the resources in the response (their serialized messages, without framing). */
      readonly bytes: number;
      /**
       * When a snapshot first changed what this stream subscribes to of this type since the type's
       * previous push (injected wall clock); absent for a push caused only by a request. From here to
       * the ACK is the convergence time.
       */
      readonly changedAt?: number;
    })
  | (EventBase & {
      readonly type: 'ack';
      readonly typeUrl: string;
      readonly version: string;
      readonly nonce: string;
      /** From the push to its ACK: the client's apply time plus the round trip. */
      readonly latencyMs?: number;
    })
  | (EventBase & {
      readonly type: 'nack';
      readonly typeUrl: string;
      readonly version: string;
      readonly nonce: string;
      readonly error: string;
      readonly latencyMs?: number;
    });
