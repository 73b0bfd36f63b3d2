import * as grpc from '@grpc/grpc-js';
import { Subject, asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import type { Node } from '../../gen/envoy/config/core/v3/base_pb.js';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import { grpcServiceDefinition } from '../../core/grpc-service.js';
import { shutdownGrpcServer } from '../../core/grpc-shutdown.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Snapshot } from '../../core/snapshot.js';
import { createFramer } from './any-cache.js';
import { HealthService } from './health-service.js';
import { SnapshotInterner } from './snapshot-interner.js';
import { DEFAULT_HOLD_MS, DEFAULT_MAX_NAMES } from './stream-machine.js';
import { StreamRegistry } from './stream-registry.js';
import type { StreamStatus } from './stream-status.js';
import type { ActiveStream } from './stream-driver.js';
import type { XdsContext } from './xds-context.js';
import type { XdsEvent } from './xds-events.js';
import { createResponseSerializers } from './response-encoding.js';
import { DISCOVERY_SERVICES, discoveryDefinition, discoveryImplementation } from './xds-services.js';

export { XdsError } from './xds-error.js';
export type { XdsEvent } from './xds-events.js';

export interface StreamInfo {
  readonly streamId: string;
  readonly kind: 'sotw' | 'delta';
  /** Set for per-type services (CDS/EDS/..), undefined for ADS. */
  readonly typeUrl?: string;
  readonly metadata: grpc.Metadata;
  readonly peer: string;
  /**
   * The stream's subscriptions as the server holds them, per type URL the client has requested so far
   * (names, or '*' for wildcard). Replays the latest on subscribe, then emits when a request changed them.
   * Lets a snapshot function build only what a client names (proxyless gRPC names its listeners).
   */
  readonly subscriptions$?: Observable<StreamSubscriptions>;
}

/** Type URL -> subscribed resource names ('*' = wildcard), for the types a stream has requested. */
export type StreamSubscriptions = ReadonlyMap<string, readonly string[] | '*'>;

export interface XdsServerOptions {
  /**
   * The embedding API: the desired config of a client, from its Node (first request). Unsubscribed
   * when the stream ends. If it errors with an XdsError the stream ends with that status (e.g.
   * PERMISSION_DENIED when a token is revoked); any other error ends it UNAVAILABLE.
   */
  snapshots: (node: Node, info: StreamInfo) => Observable<Snapshot>;
  logger?: Logger;
  /** Optional gate (ACL comes later): throw/reject an XdsError(grpc status, message) to refuse a stream. */
  authorize?: (node: Node, info: StreamInfo) => void | Promise<void>;
  /** Refuse streams beyond this with RESOURCE_EXHAUSTED (default 10000). */
  maxStreams?: number;
  /** Reject a request naming more resources with INVALID_ARGUMENT (default 10000). */
  maxResourceNamesPerRequest?: number;
  /** Wall clock for timestamps in stream status and events (default Date.now). */
  now?: () => number;
  /** Scheduler for the hold-back timeout and fetch timeout (default asyncScheduler). */
  scheduler?: SchedulerLike;
  /** How long an un-ACKed CDS/EDS response holds back LDS/RDS and removals on ADS (default 5000 ms). */
  holdTimeoutMs?: number;
  /** How long a Fetch* call waits for the first snapshot (default 10000 ms). */
  fetchTimeoutMs?: number;
}

export interface XdsServer {
  /** Adds ADS, the per-type CDS/EDS/LDS/RDS/SDS services (Stream*, Delta*, Fetch*) and grpc.health.v1.Health. */
  addTo(server: grpc.Server): void;
  /** Convenience: a grpc.Server with addTo() bound at host:port (port 0 = free; insecure by default); resolves the port. */
  listen(address: string, credentials?: grpc.ServerCredentials): Promise<number>;
  /** Live per-stream state for operators (proxy-status, metrics): emits on every change, replays the latest. */
  readonly streams$: Observable<ReadonlyMap<string, StreamStatus>>;
  /** Discrete events for metrics and logs. */
  readonly events$: Observable<XdsEvent>;
  /** Closes every stream (ending them cleanly so clients reconnect elsewhere) and the listening server if any. */
  close(): Promise<void>;
}

/** Largest request accepted by listen(): far above any sane subscription, far below a memory attack. */
export const MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024;

export function createXdsServer(options: XdsServerOptions): XdsServer {
  const logger = options.logger ?? silentLogger;
  const scheduler = options.scheduler ?? asyncScheduler;
  const now = options.now ?? Date.now;
  const events = new Subject<XdsEvent>();
  const registry = new StreamRegistry();
  const active = new Set<ActiveStream>();
  const framer = createFramer();
  const serializers = createResponseSerializers(framer);
  const holdMs = options.holdTimeoutMs ?? DEFAULT_HOLD_MS;
  const maxNames = options.maxResourceNamesPerRequest ?? DEFAULT_MAX_NAMES;
  let streamCounter = 0;
  let closing = false;
  let listening: grpc.Server | undefined;

  const ctx: XdsContext = {
    logger,
    scheduler,
    now,
    snapshots: options.snapshots,
    ...(options.authorize ? { authorize: options.authorize } : {}),
    maxStreams: options.maxStreams ?? 10_000,
    maxNames,
    fetchTimeoutMs: options.fetchTimeoutMs ?? 10_000,
    framer,
    interner: new SnapshotInterner(),
    registry,
    active,
    emit: (e) => events.next(e),
    listening: () => events.observed,
    debugEnabled: () => logger !== silentLogger && ((logger as MaybeLeveled).isLevelEnabled?.('debug') ?? true),
    nextStreamId: () => String(++streamCounter),
    closing: () => closing,
    machineConfig: (typeUrl) => ({ ...(typeUrl !== undefined ? { typeUrl } : {}), holdMs, maxNames, framer }),
  };
  const health = new HealthService(
    new Set([...DISCOVERY_SERVICES.map((s) => s.service.typeName), Health.typeName]),
  );

  const addTo = (server: grpc.Server) => {
    for (const { service, typeUrl } of DISCOVERY_SERVICES) {
      server.addService(discoveryDefinition(service, serializers), discoveryImplementation(ctx, service, typeUrl));
    }
    server.addService(grpcServiceDefinition(Health), health.implementation());
  };

  return {
    addTo,
    async listen(address, credentials) {
      if (closing) throw new Error('xDS server is closed');
      if (listening) throw new Error('xDS server is already listening (use addTo() for more servers)');
      const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES });
      addTo(server);
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync(address, credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
      listening = server;
      logger.info({ address, port }, 'xDS server listening');
      return port;
    },
    streams$: registry.streams$,
    events$: events.asObservable(),
    async close() {
      if (closing) return;
      closing = true;
      health.shutdown();
      for (const s of [...active]) s.end(grpc.status.OK, 'server closing');
      registry.close();
      events.complete();
      const server = listening;
      listening = undefined;
      if (server) await shutdownGrpcServer(server);
    },
  };
}

/** pino loggers can tell whether a level is enabled; other Logger implementations are asked nothing. */
type MaybeLeveled = Logger & { isLevelEnabled?: (level: string) => boolean };

