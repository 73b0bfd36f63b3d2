import { createHttpServer, type HttpServerHandle } from '../../core/http/http-server.js';
import { createCatalog, type Catalog, type CatalogOptions } from '../catalog/catalog.js';
import type { StateStore } from '../store/state-store.js';
import { createConsulApi } from './consul-api.js';
import type { ConsulApiDeps } from './consul-api-deps.js';

export interface ConsulApiServer {
  readonly url: string;
  readonly port: number;
  readonly catalog: Catalog;
  readonly http: HttpServerHandle;
  /** Answers every parked blocking query now (see ConsulApi.releaseWaiters). */
  releaseWaiters(): void;
  /** Closes the HTTP server (open connections and long polls included). The store is the caller's. */
  close(): Promise<void>;
}

export interface ConsulApiServerOptions extends Omit<ConsulApiDeps, 'store' | 'catalog'> {
  readonly catalog?: Catalog;
  readonly catalogOptions?: CatalogOptions;
  readonly port?: number;
  readonly host?: string;
}

/**
 * The Consul API alone on its own HTTP server: for tests, benchmarks and embedders that want only this
 * (the daemon mounts {@link createConsulApi} next to its other handlers instead).
 */
export async function startConsulApiServer(store: StateStore, options: ConsulApiServerOptions): Promise<ConsulApiServer> {
  const catalog = options.catalog ?? createCatalog(store, options.catalogOptions);
  const api = createConsulApi({ ...options, store, catalog });
  const http = createHttpServer([api], { logger: options.logger });
  const { url, port } = await http.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return { url, port, catalog, http, releaseWaiters: () => api.releaseWaiters(), close: () => http.close() };
}
