import { mkdir } from 'node:fs/promises';
import { asyncScheduler, of, type SchedulerLike } from 'rxjs';
import { EMPTY_SNAPSHOT } from '../core/snapshot.js';
import { createHttpServer, type HttpServerHandle } from '../core/http/http-server.js';
import type { Logger } from '../core/logger.js';
import { formatHostPort, UsageError, type HostPort } from '../cli/address.js';
import type { ServeOptions } from '../cli/serve-options.js';
import { createCatalog, type Catalog } from '../sources/catalog/catalog.js';
import { createConsulApi } from '../sources/consul-api/consul-api.js';
import { createSourceStatusRegistry, type SourceStatusRegistry } from '../sources/source-status.js';
import { openSqliteStore } from '../sources/store/sqlite-store.js';
import type { StateStore } from '../sources/store/state-store.js';
import { createXdsServer, type XdsServer } from '../sinks/xds/xds-server.js';

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
  await mkdir(options.dataDir, { recursive: true });
  const sources = createSourceStatusRegistry();
  const store = await openSqliteStore(options.dataDir, { logger: logger.child({ component: 'store' }), sourceStatus: sources });
  const closers: Array<() => Promise<void> | void> = [() => store.close()];
  try {
    const catalog = createCatalog(store, { scheduler });

    const http: HttpServerHandle = createHttpServer(
      [createConsulApi({ store, catalog, logger: logger.child({ component: 'http' }), sourceStatus: sources, scheduler })],
      { logger: logger.child({ component: 'http' }) },
    );
    const httpBound = await http.listen(options.httpAddr.port, options.httpAddr.host);
    closers.unshift(() => http.close(2000));

    // Until the per-proxy pipelines are wired, every client is told that nothing exists yet.
    const xds = createXdsServer({
      snapshots: () => of(EMPTY_SNAPSHOT),
      logger: logger.child({ component: 'xds' }),
      scheduler,
    });
    const grpcPort = await xds.listen(formatHostPort(options.grpcAddr));
    closers.unshift(() => xds.close());

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
