import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../../core/logger.js';
import type { HealthHooks } from '../consul-api/consul-api-deps.js';
import { CHECK_STATUSES, type CheckStatus } from './catalog-state.js';

export interface TtlHeartbeat {
  readonly checkId: string;
  readonly status: CheckStatus;
  readonly output: string;
}

/**
 * TTL updates shared between replicas. A TTL check's timer runs on every replica, but an update
 * (`/v1/agent/check/pass/:id`, ...) reaches one of them, and when it changes nothing the store records
 * nothing: the others would let the TTL expire and mark the check critical. Each update is published as
 * one etcd key outside the catalog (`<prefix>ttl/<checkId>`: no index moves, no blocking query wakes) and
 * every other replica restarts its timer when it sees it.
 */
export interface TtlHeartbeats {
  publish(heartbeat: TtlHeartbeat): void;
  /** Heartbeats published by other replicas, as their watch brings them. */
  readonly received$: Observable<TtlHeartbeat>;
}

export interface TtlHeartbeatChannel extends TtlHeartbeats {
  /** Feeds a value of a `ttl/` key seen by the store's watch. */
  onValue(value: string): void;
  close(): void;
}

export function createTtlHeartbeatChannel(client: Etcd3, keyOf: (checkId: string) => string, replicaId: string, logger: Logger): TtlHeartbeatChannel {
  const received = new Subject<TtlHeartbeat>();
  return {
    publish(h) {
      const value = JSON.stringify({ ...h, replica: replicaId, at: Date.now() });
      client
        .put(keyOf(h.checkId))
        .value(value)
        .catch((err: unknown) => logger.warn({ checkId: h.checkId, err: (err as Error).message }, 'TTL update not shared with the other replicas'));
    },
    received$: received.asObservable(),
    onValue(value) {
      let v: Partial<TtlHeartbeat & { replica: string }>;
      try {
        v = JSON.parse(value) as typeof v;
      } catch {
        return;
      }
      if (v.replica === replicaId || typeof v.checkId !== 'string' || !CHECK_STATUSES.includes(v.status as CheckStatus)) return;
      received.next({ checkId: v.checkId, status: v.status as CheckStatus, output: typeof v.output === 'string' ? v.output : '' });
    },
    close: () => received.complete(),
  };
}

/**
 * The health hooks for the HTTP API when the store is shared: a TTL update restarts the local timer and is
 * published to the other replicas; their updates restart the local timer too.
 */
export function shareTtlUpdates(hooks: HealthHooks, heartbeats: TtlHeartbeats): { readonly hooks: HealthHooks; stop(): void } {
  const sub: Subscription = heartbeats.received$.subscribe((h) => hooks.ttlUpdated?.(h.checkId, h.status, h.output));
  return {
    hooks: {
      ttlUpdated(checkId, status, output) {
        hooks.ttlUpdated?.(checkId, status, output);
        heartbeats.publish({ checkId, status, output });
      },
    },
    stop: () => sub.unsubscribe(),
  };
}
