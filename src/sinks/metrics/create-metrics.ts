import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { XdsEvent } from '../xds/xds-events.js';
import { LATENCY_BUCKETS, watchXdsEvents } from './xds-metrics.js';

/** One source as the source-status registry lists it (structural: sinks do not import sources). */
export interface SourceStatusLike {
  readonly Name: string;
  readonly State: string;
  readonly LastError: string;
}

export interface MetricsDeps {
  /** Where every metric is registered (never prom-client's global default registry). */
  readonly registry: Registry;
  /** The xDS server's discrete events (stream open/close, push, ack, nack). */
  readonly xds?: { readonly events$: Observable<XdsEvent> };
  /** Source statuses: each new error of a source (a change to degraded, or a different error) is counted. */
  readonly sources?: { readonly statuses$: Observable<readonly SourceStatusLike[]> };
  /** Also register prom-client's process metrics (CPU, memory, event loop lag, GC). Default false. */
  readonly processMetrics?: boolean;
  /** Metric name prefix; default `rxds_`. */
  readonly prefix?: string;
}

/** Hooks for what the metrics cannot observe themselves; pass them to the components that know. */
export interface RxdsMetrics {
  /** A per-proxy snapshot was built (`kind`: e.g. `connect-proxy`, `proxyless`). */
  snapshotBuilt(kind?: string): void;
  /** How long a change waited in the coalescing window before its snapshot was built. */
  debounced(ms: number): void;
  /** A source failed (when it does not report through the source-status registry). */
  sourceError(source: string): void;
  /** A generated resource was refused by the validation gate (the previous good one stays in force). */
  invalidResource(typeUrl: string): void;
  /** The number of blocking queries now waiting: the Consul API's `onWaitingChange`. */
  readonly onWaitingChange: (waiting: number) => void;
  /** Stops observing events$ and statuses$ (the registered metrics stay, with their last values). */
  close(): void;
}

/**
 * rxds's Prometheus metrics, registered in the injected registry. Labels stay small (kind, type URL,
 * source name, gRPC code): never node ids, so the series count does not grow with the number of proxies.
 */
export function createMetrics(deps: MetricsDeps): RxdsMetrics {
  const { registry } = deps;
  const prefix = deps.prefix ?? 'rxds_';
  const registers = [registry];
  const subscriptions: Subscription[] = [];
  if (deps.processMetrics) collectDefaultMetrics({ register: registry, prefix });

  const builds = new Counter({
    name: `${prefix}snapshot_builds_total`,
    help: 'Per-proxy snapshots built, by proxy kind.',
    labelNames: ['kind'],
    registers,
  });
  const debounce = new Histogram({
    name: `${prefix}debounce_seconds`,
    help: 'How long a change waited in the coalescing window before its snapshot was built.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const sourceErrors = new Counter({
    name: `${prefix}source_errors_total`,
    help: 'Errors reported by sources (store, watched files, ...), by source.',
    labelNames: ['source'],
    registers,
  });
  const invalid = new Counter({
    name: `${prefix}invalid_resources_total`,
    help: 'Generated resources refused by the validation gate, by type URL.',
    labelNames: ['type_url'],
    registers,
  });
  const waiting = new Gauge({
    name: `${prefix}blocking_queries_waiting`,
    help: 'Consul API blocking queries currently waiting for a change.',
    registers,
  });
  waiting.set(0);

  if (deps.xds) subscriptions.push(watchXdsEvents(registry, deps.xds.events$, prefix));
  if (deps.sources) {
    const last = new Map<string, SourceStatusLike>();
    subscriptions.push(
      deps.sources.statuses$.subscribe((list) => {
        for (const s of list) {
          const prev = last.get(s.Name);
          last.set(s.Name, s);
          const newError = s.State === 'degraded' && (prev?.State !== 'degraded' || prev.LastError !== s.LastError);
          if (newError) sourceErrors.inc({ source: s.Name });
        }
      }),
    );
  }

  return {
    snapshotBuilt: (kind = 'proxy') => builds.inc({ kind }),
    debounced: (ms) => debounce.observe(Math.max(0, ms) / 1000),
    sourceError: (source) => sourceErrors.inc({ source }),
    invalidResource: (typeUrl) => invalid.inc({ type_url: typeUrl }),
    onWaitingChange: (n) => waiting.set(n),
    close() {
      for (const s of subscriptions.splice(0)) s.unsubscribe();
    },
  };
}
