import { access, constants, mkdir } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { asyncScheduler, filter, firstValueFrom, map, of, timeout, type SchedulerLike } from 'rxjs';
import { EMPTY_SNAPSHOT } from '../core/snapshot.js';
import { createHttpServer, type HttpServerHandle } from '../core/http/http-server.js';
import type { Logger } from '../core/logger.js';
import { formatHostPort, UsageError, type HostPort } from '../cli/address.js';
import type { ServeOptions } from '../cli/serve-options.js';
import { createCatalog, type Catalog } from '../sources/catalog/catalog.js';
import { createConsulApi } from '../sources/consul-api/consul-api.js';
import { startFileSource } from '../sources/catalog/file-source.js';
import { startHealthChecks } from '../sources/catalog/health-checks.js';
import { startCertificateAuthority } from '../sources/ca/start-certificate-authority.js';
import { createFileCaPersistence } from '../sources/ca/file-ca-persistence.js';
import { createSourceStatusRegistry, type SourceStatusRegistry } from '../sources/source-status.js';
import { openSqliteStore } from '../sources/store/sqlite-store.js';
import type { StateStore } from '../sources/store/state-store.js';
import { createXdsServer, type XdsServer } from '../sinks/xds/xds-server.js';
import { createAdminApi } from '../sinks/admin/admin-api.js';
import { createMetrics } from '../sinks/metrics/create-metrics.js';
import { createMetricsRoute } from '../sinks/metrics/metrics-route.js';

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
}

/**
 * The composition root of `rxds serve`: opens the store, builds the catalog Observables, mounts the HTTP
 * API, starts the xDS server, and wires the per-proxy pipelines between them.
 */
export async function startRxds(options: ServeOptions, deps: RxdsDeps): Promise<Rxds> {
  const { logger } = deps;
  const scheduler = deps.scheduler ?? asyncScheduler;
  if (options.store === 'etcd') {
    throw new UsageError('--store etcd is not available in this build yet; use the default --store sqlite');
  }
  for (const file of options.configFiles) {
    await access(file, constants.R_OK).catch(() => {
      throw new UsageError(`--config: cannot read ${file} (does it exist?)`);
    });
  }
  await mkdir(options.dataDir, { recursive: true });
  const sources = createSourceStatusRegistry();
  const store = await openSqliteStore(options.dataDir, { logger: logger.child({ component: 'store' }), sourceStatus: sources });
  const closers: Array<() => Promise<void> | void> = [() => store.close()];
  try {
    const catalog = createCatalog(store, { scheduler });
    const ca = await startCertificateAuthority({
      trustDomain: options.trustDomain,
      persistence: createFileCaPersistence(options.dataDir),
      scheduler,
      logger: logger.child({ component: 'ca' }),
    });
    closers.unshift(() => ca.close());
    const health = startHealthChecks(store, catalog, { scheduler, logger: logger.child({ component: 'health' }) });
    closers.unshift(() => health.stop());
    if (options.configFiles.length > 0) {
      const files = startFileSource(store, options.configFiles, { logger: logger.child({ component: 'file' }), sourceStatus: sources, scheduler });
      closers.unshift(() => files.unsubscribe());
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

    // Until the per-proxy pipelines are wired, every client is told that nothing exists yet.
    const xds = createXdsServer({
      snapshots: () => of(EMPTY_SNAPSHOT),
      logger: logger.child({ component: 'xds' }),
      scheduler,
    });
    closers.unshift(() => xds.close());
    const registry = new Registry();
    const metrics = createMetrics({ registry, xds, sources, processMetrics: true });
    closers.push(() => metrics.close());
    // Ready once every declared file has been applied (or reported invalid): what the startup wait is for.
    const declared = options.configFiles.map((f) => `file:${f}`);
    const ready$ = sources.statuses$.pipe(
      map((list) => {
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
    });

    const http: HttpServerHandle = createHttpServer(
      [
        admin,
        createMetricsRoute(registry),
        createConsulApi({
          store,
          catalog,
          logger: logger.child({ component: 'http' }),
          sourceStatus: sources,
          scheduler,
          health: health.hooks,
          ca,
          onWaitingChange: metrics.onWaitingChange,
        }),
      ],
      { logger: logger.child({ component: 'http' }) },
    );
    const httpBound = await http.listen(options.httpAddr.port, options.httpAddr.host);
    closers.unshift(() => http.close(2000));
    closers.unshift(() => admin.closeWatches()); // watch streams would hold the HTTP close for its grace

    const grpcPort = await xds.listen(formatHostPort(options.grpcAddr));

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
        closing ??= runClosers(closers, logger);
        return closing;
      },
    };
  } catch (err) {
    await runClosers(closers, logger);
    throw err;
  }
}

async function runClosers(closers: ReadonlyArray<() => Promise<void> | void>, logger: Logger): Promise<void> {
  for (const close of closers) {
    try {
      await close();
    } catch (err) {
      logger.warn({ err }, 'error while shutting down');
    }
  }
}
