import { access, constants, mkdir } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { BehaviorSubject, ReplaySubject, asyncScheduler, combineLatest, distinctUntilChanged, filter, firstValueFrom, map, of, share, timeout, type SchedulerLike } from 'rxjs';
import type { FileSourceState } from '../sources/file/file-source-state.js';
import type { ServiceDefinition } from '../sources/catalog/service-definition.js';
import { createHttpServer, type HttpServerHandle } from '../core/http/http-server.js';
import type { Logger } from '../core/logger.js';
import { formatHostPort, UsageError, type HostPort } from '../cli/address.js';
import type { ServeOptions } from '../cli/serve-options.js';
import { createCatalog, type Catalog } from '../sources/catalog/catalog.js';
import { createConsulApi } from '../sources/consul-api/consul-api.js';
import { applyFileSource } from '../sources/catalog/file-source.js';
import { parseServiceDefinition } from '../sources/catalog/service-definition.js';
import { watchConfigFiles } from '../sources/file/watch-config-files.js';
import { aclConfigOf, createAclSource } from '../sources/acl/acl-source.js';
import { operatorGuard, proxyGuard } from '../sources/acl/http-guard.js';
import { createXdsAccess } from './xds-authorize.js';
import { grpcServerCredentials, loadTlsMaterial } from './tls-credentials.js';
import { startHealthChecks } from '../sources/catalog/health-checks.js';
import { startLeaderHealthChecks } from '../sources/catalog/leader-health-checks.js';
import { startCertificateAuthority } from '../sources/ca/start-certificate-authority.js';
import { createFileCaPersistence } from '../sources/ca/file-ca-persistence.js';
import { createStoreCaPersistence } from '../sources/ca/store-ca-persistence.js';
import { importCaStateFile } from '../sources/ca/import-ca-state-file.js';
import { createSourceStatusRegistry, type SourceStatusRegistry } from '../sources/source-status.js';
import { openSqliteStore } from '../sources/store/sqlite-store.js';
import { openEtcdStore } from '../sources/store/etcd-store.js';
import { shareTtlUpdates } from '../sources/store/etcd-ttl-heartbeats.js';
import type { StateStore } from '../sources/store/state-store.js';
import { createXdsServer, type XdsServer } from '../sinks/xds/xds-server.js';
import { createAdminApi } from '../sinks/admin/admin-api.js';
import { createMetrics, type RxdsMetrics } from '../sinks/metrics/create-metrics.js';
import { createMeshSnapshots } from './mesh-snapshots.js';
import { createMetricsRoute } from '../sinks/metrics/metrics-route.js';
import { createUiRoute } from '../sinks/ui/ui-route.js';
import { listenGrpc } from './grpc-listener.js';

/** The longest startup waits for the declared files before serving anyway (they keep loading). */
const FILE_LOAD_TIMEOUT_MS = 10_000;

/** A running rxds: every source, pipeline and sink of one process, and how to stop them. */
export interface Rxds {
  readonly http: HostPort;
  readonly grpc: HostPort;
  readonly store: StateStore;
  readonly catalog: Catalog;
  readonly xds: XdsServer;
  readonly sources: SourceStatusRegistry;
  /** Stops accepting, ends streams and long polls, flushes and closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface RxdsDeps {
  readonly logger: Logger;
  readonly scheduler?: SchedulerLike;
  /**
   * Called at shutdown once /readyz answers 503 and before any stream is ended; awaited. A pre-stop
   * pause for load balancers to see the server go unready (none by default).
   */
  readonly onDraining?: () => Promise<void> | void;
}

/**
 * The composition root of `rxds serve`: opens the store, builds the catalog Observables, mounts the HTTP
 * API, starts the xDS server, and wires the per-proxy pipelines between them.
 */
export async function startRxds(options: ServeOptions, deps: RxdsDeps): Promise<Rxds> {
  const { logger } = deps;
  const scheduler = deps.scheduler ?? asyncScheduler;
  for (const file of options.configFiles) {
    await access(file, constants.R_OK).catch(() => {
      throw new UsageError(`--config: cannot read ${file} (does it exist?)`);
    });
  }
  // TLS files are read before anything starts: a bad file is a usage error, not a half-started server.
  const grpcTls = await loadTlsMaterial(options.grpcTls ?? {}, '--grpc-tls');
  const httpTls = await loadTlsMaterial(options.httpTls ?? {}, '--http-tls');
  await mkdir(options.dataDir, { recursive: true });
  const sources = createSourceStatusRegistry();
  // --store etcd: the state lives in etcd, shared by every replica on the same endpoints; an unreachable
  // etcd fails the start after a bounded wait (StoreUnavailableError, exit 1).
  const storeLogger = logger.child({ component: 'store' });
  const etcdStore =
    options.store === 'etcd'
      ? await openEtcdStore({ endpoints: options.etcdEndpoints, tls: options.etcdTls, auth: options.etcdAuth, logger: storeLogger, sourceStatus: sources })
      : undefined;
  const store: StateStore = etcdStore ?? (await openSqliteStore(options.dataDir, { logger: storeLogger, sourceStatus: sources }));
  // Shutdown runs these phases in order: /readyz answers 503 (and the onDraining pause); SSE watches and
  // xDS streams end, then GOAWAY on the gRPC connections (clients reconnect elsewhere); the sources stop
  // writing; HTTP closes (long polls end); the store is flushed and closed; metrics last.
  const draining$ = new BehaviorSubject(false);
  const phases = { drain: [] as Closer[], streams: [] as Closer[], sources: [] as Closer[], http: [] as Closer[], last: [] as Closer[] };
  phases.drain.push(() => draining$.next(true), () => deps.onDraining?.());
  phases.last.push(() => store.close());
  const closers = () => [...phases.drain, ...phases.streams, ...phases.sources, ...phases.http, ...phases.last];
  try {
    const catalog = createCatalog(store, { scheduler });
    // The CA state (roots and keys) lives in the store, shared by every replica; a <data-dir>/ca.json
    // from an older rxds is imported once.
    const caLogger = logger.child({ component: 'ca' });
    // It follows the CA state other replicas save (their root rotations) as long as it runs.
    const caPersistence = createStoreCaPersistence(store, undefined, { logger: caLogger });
    await importCaStateFile(createFileCaPersistence(options.dataDir), caPersistence, caLogger);
    const ca = await startCertificateAuthority({ trustDomain: options.trustDomain, persistence: caPersistence, scheduler, logger: caLogger });
    phases.sources.push(() => ca.close());
    // Replicas on etcd: the probes and TTL timers run on one replica at a time, the leader of `health`
    // (etcd-leadership.ts); the others stand by, and one takes over within the lease TTL if it goes.
    const healthLogger = logger.child({ component: 'health' });
    const health = etcdStore
      ? startLeaderHealthChecks(store, catalog, { scheduler, logger: healthLogger, leader$: etcdStore.leadership('health'), sourceStatus: sources })
      : startHealthChecks(store, catalog, { scheduler, logger: healthLogger });
    phases.sources.push(() => health.stop());
    // Replicas on etcd: a TTL update through any of them restarts the TTL on all (etcd-ttl-heartbeats.ts),
    // so on the leader's runner whichever replica received it.
    const ttlShared = etcdStore ? shareTtlUpdates(health.hooks, etcdStore.ttlHeartbeats) : undefined;
    if (ttlShared) phases.sources.push(() => ttlShared.stop());
    // The declarative files feed both the catalog (services, config entries) and the ACL (tokens, policy).
    const fileLogger = logger.child({ component: 'file' });
    const files$ = watchConfigFiles(options.configFiles, { parseService: parseServiceDefinition, serviceId: (s) => s.ID, logger: fileLogger, scheduler }).pipe(
      share({ connector: () => new ReplaySubject<FileSourceState<ServiceDefinition>>(1), resetOnRefCountZero: false }),
    );
    const acl = createAclSource(options.configFiles.length > 0 ? aclConfigOf(files$) : of(undefined));
    phases.sources.push(() => acl.stop());
    if (options.configFiles.length > 0) {
      const files = applyFileSource(store, files$, { logger: fileLogger, sourceStatus: sources });
      phases.sources.push(() => files.unsubscribe());
      // Serve only once every declared file has been applied (or reported invalid): clients never see a
      // catalog that is missing what the operator declared.
      const names = new Set(options.configFiles.map((f) => `file:${f}`));
      await firstValueFrom(
        sources.statuses$.pipe(
          filter((list) => [...names].every((n) => list.some((s) => s.Name === n))),
          timeout({ first: FILE_LOAD_TIMEOUT_MS, with: () => of([]) }),
        ),
      );
    }

    let metrics: RxdsMetrics | undefined;
    const proxies = createMeshSnapshots({
      catalog,
      ca,
      // Follows the CA's trust domain (another replica may rotate the store's CA state to a new one): cluster
      // names, SNI and SANs agree with the leaves the CA signs. roots$ replays the current roots at once.
      trustDomain: ca.roots$.pipe(
        map((r) => r.trustDomain),
        distinctUntilChanged(),
      ),
      debounceMs: options.debounceMs,
      debounceMaxMs: options.debounceMaxMs,
      scheduler,
      logger: logger.child({ component: 'proxies' }),
      onInvalidResource: (typeUrl) => metrics?.invalidResource(typeUrl),
      onSnapshotBuilt: (kind) => metrics?.snapshotBuilt(kind),
      onDebounced: (ms) => metrics?.debounced(ms),
      // Follows the ACL's default_policy as the files change: proxies' RBAC defaults agree with the ACL checks.
      intentionsDefaultAllow: acl.state$.pipe(
        map((s) => s.defaultPolicy === 'allow'),
        distinctUntilChanged(),
      ),
    });
    phases.sources.push(() => proxies.close()); // after the streams ended: no pipeline waits out its grace period
    // Every stream is checked against the ACL when it opens and again whenever the ACL or the node's
    // registration changes: a revoked token's streams end with PERMISSION_DENIED.
    const access = createXdsAccess({ acl, store, logger: logger.child({ component: 'acl' }) });
    const xds = createXdsServer({
      authorize: access.authorize,
      snapshots: access.guard(proxies.snapshots),
      logger: logger.child({ component: 'xds' }),
      scheduler,
    });
    const registry = new Registry();
    const rxdsMetrics = createMetrics({ registry, xds, sources, processMetrics: true });
    metrics = rxdsMetrics;
    phases.last.push(() => rxdsMetrics.close());
    // Ready once every declared file has been applied (or reported invalid): what the startup wait is for.
    const declared = options.configFiles.map((f) => `file:${f}`);
    const ready$ = combineLatest([sources.statuses$, draining$]).pipe(
      map(([list, draining]) => {
        if (draining) return { ready: false, reason: 'shutting down' };
        const missing = declared.filter((n) => !list.some((s) => s.Name === n));
        return missing.length === 0 ? true : { ready: false, reason: `waiting for ${missing.join(', ')}` };
      }),
    );
    const admin = createAdminApi({
      xds,
      ready$,
      sources,
      logger: logger.child({ component: 'admin' }),
      serviceOf: (id) => store.current().services.get(id)?.Proxy?.DestinationServiceName,
      authorize: operatorGuard(acl, 'read'),
      // A token with service write on a sidecar's service may read that proxy's status and config too.
      authorizeProxy: proxyGuard(acl, (id) => store.current().services.get(id)),
    });

    const consulApi = createConsulApi({
      store,
      catalog,
      logger: logger.child({ component: 'http' }),
      sourceStatus: sources,
      scheduler,
      health: ttlShared?.hooks ?? health.hooks,
      ca,
      acl,
      onWaitingChange: rxdsMetrics.onWaitingChange,
    });
    const http: HttpServerHandle = createHttpServer(
      [
        admin,
        createMetricsRoute(registry, { authorize: operatorGuard(acl, 'read') }),
        createUiRoute(),
        consulApi,
      ],
      { logger: logger.child({ component: 'http' }), ...(httpTls ? { tls: httpTls } : {}) },
    );
    const httpBound = await http.listen(options.httpAddr.port, options.httpAddr.host);
    phases.http.push(() => http.close(2000));
    phases.streams.push(() => admin.closeWatches()); // watch streams would hold the HTTP close for its grace
    // Parked blocking queries get their current answer (as Consul's do when its agent stops) instead of
    // being cut off by the HTTP close.
    phases.streams.push(() => consulApi.releaseWaiters());

    const grpcListener = await listenGrpc(xds, formatHostPort(options.grpcAddr), {
      maxConnectionAgeMs: options.grpcMaxConnectionAgeMs,
      maxConnectionAgeGraceMs: options.grpcMaxConnectionAgeGraceMs,
      logger: logger.child({ component: 'xds' }),
      credentials: grpcServerCredentials(grpcTls),
    });
    const grpcPort = grpcListener.port;
    // xds.close() ends every stream (status OK: clients reconnect, to another replica if this one is gone);
    // then GOAWAY, and the connections close.
    phases.streams.push(() => xds.close(), () => grpcListener.close());

    const bound = { http: { host: options.httpAddr.host, port: httpBound.port }, grpc: { host: options.grpcAddr.host, port: grpcPort } };
    logger.info({ http: formatHostPort(bound.http), grpc: formatHostPort(bound.grpc) }, 'listening');

    let closing: Promise<void> | undefined;
    return {
      ...bound,
      store,
      catalog,
      xds,
      sources,
      close() {
        closing ??= runClosers(closers(), logger);
        return closing;
      },
    };
  } catch (err) {
    await runClosers(closers(), logger);
    throw err;
  }
}

type Closer = () => Promise<void> | void;

async function runClosers(closers: readonly Closer[], logger: Logger): Promise<void> {
  for (const close of closers) {
    try {
      await close();
    } catch (err) {
      logger.warn({ err }, 'error while shutting down');
    }
  }
}
