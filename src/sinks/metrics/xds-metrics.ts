import { status as grpcStatus } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { XdsEvent } from '../xds/xds-events.js';

/** Seconds: from 1 ms (a local ACK) to 30 s (a hold-back timing out, a stuck proxy). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Bytes: 256 B to 16 MiB, times four. */
export const SIZE_BUCKETS = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];

/** The earliest snapshot change a stream has been pushed but not yet ACKed, per type. */
interface Pending {
  readonly nonce: string;
  readonly changedAt: number | undefined;
}

/**
 * The xDS server's metrics, from its `events$`: connected streams by kind, pushes / ACKs / NACKs by type
 * URL, push-to-answer time, convergence time (a snapshot change reaching the stream, to the ACK of the
 * response that carried it), and response sizes. Labels are kind, type URL and gRPC code: never node ids.
 */
export function watchXdsEvents(registry: Registry, events$: Observable<XdsEvent>, prefix: string): Subscription {
  const open = new Map<string, 'sotw' | 'delta'>();
  const pending = new Map<string, Map<string, Pending>>();
  const registers = [registry];
  new Gauge({
    name: `${prefix}xds_streams`,
    help: 'Connected xDS streams, by protocol variant (sotw or delta).',
    labelNames: ['kind'],
    registers,
    collect() {
      let sotw = 0;
      for (const kind of open.values()) if (kind === 'sotw') sotw++;
      this.set({ kind: 'sotw' }, sotw);
      this.set({ kind: 'delta' }, open.size - sotw);
    },
  });
  const closed = new Counter({
    name: `${prefix}xds_streams_closed_total`,
    help: 'xDS streams that ended, by kind and gRPC status code name (OK and CANCELLED are clean ends).',
    labelNames: ['kind', 'code'],
    registers,
  });
  const pushes = new Counter({ name: `${prefix}xds_pushes_total`, help: 'xDS responses sent, by type URL.', labelNames: ['type_url'], registers });
  const acks = new Counter({ name: `${prefix}xds_acks_total`, help: 'xDS responses ACKed, by type URL.', labelNames: ['type_url'], registers });
  const nacks = new Counter({ name: `${prefix}xds_nacks_total`, help: 'xDS responses NACKed (rejected by the client), by type URL.', labelNames: ['type_url'], registers });
  const answered = new Histogram({
    name: `${prefix}xds_push_duration_seconds`,
    help: 'From sending an xDS response to its ACK or NACK (client apply time plus round trip), by type URL.',
    labelNames: ['type_url'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const convergence = new Histogram({
    name: `${prefix}xds_convergence_seconds`,
    help: 'From a snapshot change reaching a stream to the ACK of the response that carried it, by type URL.',
    labelNames: ['type_url'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const sizes = new Histogram({
    name: `${prefix}xds_response_bytes`,
    help: 'Encoded size of the resources in each xDS response, by type URL.',
    labelNames: ['type_url'],
    buckets: SIZE_BUCKETS,
    registers,
  });

  const onEvent = (e: XdsEvent) => {
    switch (e.type) {
      case 'stream-open':
        open.set(e.streamId, e.kind);
        break;
      case 'stream-close':
        open.delete(e.streamId);
        pending.delete(e.streamId);
        closed.inc({ kind: e.kind, code: grpcStatus[e.code] ?? String(e.code) });
        break;
      case 'push': {
        pushes.inc({ type_url: e.typeUrl });
        sizes.observe({ type_url: e.typeUrl }, e.bytes);
        let types = pending.get(e.streamId);
        if (!types) pending.set(e.streamId, (types = new Map()));
        // A later response carries every earlier change too: the earliest unACKed change moves to it.
        const earlier = types.get(e.typeUrl)?.changedAt;
        const changedAt = earlier === undefined ? e.changedAt : e.changedAt === undefined ? earlier : Math.min(earlier, e.changedAt);
        types.set(e.typeUrl, { nonce: e.nonce, changedAt });
        break;
      }
      case 'ack':
      case 'nack': {
        (e.type === 'ack' ? acks : nacks).inc({ type_url: e.typeUrl });
        if (e.latencyMs !== undefined) answered.observe({ type_url: e.typeUrl }, e.latencyMs / 1000);
        const types = pending.get(e.streamId);
        const p = types?.get(e.typeUrl);
        if (p && p.nonce === e.nonce) {
          types!.delete(e.typeUrl);
          if (e.type === 'ack' && p.changedAt !== undefined) convergence.observe({ type_url: e.typeUrl }, Math.max(0, e.at - p.changedAt) / 1000);
        }
        break;
      }
    }
  };
  return events$.subscribe({ next: onEvent, complete: () => (open.clear(), pending.clear()) });
}
