import { createRouter, type RouteHandler } from '../../core/http/router.js';
import { addAgentRoutes } from './agent-routes.js';
import { createApiContext } from './api-context.js';
import { addCatalogRoutes } from './catalog-routes.js';
import { addConfigRoutes } from './config-routes.js';
import { addConnectCaRoutes } from './connect-ca-routes.js';
import type { ConsulApiDeps } from './consul-api-deps.js';
import { aclGuardedRouter } from './acl-router.js';
import { CONSUL_API_ROUTE_POLICIES } from './acl-route-policy.js';

/**
 * The Consul-compatible HTTP API (CONTRACT section 3: agent registration and health, catalog and health
 * reads with blocking queries, config entries) plus `GET /v1/rxds/sources`. Every response carries
 * `X-Consul-Index`: the answered slice's index for reads, the store's index otherwise; never 0.
 */
export interface ConsulApi extends RouteHandler {
  /**
   * Answers every parked blocking query now with its current result, and later ones at once: call it
   * when shutting down, before closing the HTTP server (which would otherwise cut them off).
   */
  releaseWaiters(): void;
}

export function createConsulApi(deps: ConsulApiDeps): ConsulApi {
  const api = createApiContext(deps);
  const router = aclGuardedRouter(
    createRouter({
      logger: api.logger,
      headers: () => ({ 'X-Consul-Index': String(deps.store.current().index) }),
    }),
    api.callers,
    CONSUL_API_ROUTE_POLICIES,
  );
  addAgentRoutes(router, api);
  addCatalogRoutes(router, api);
  addConfigRoutes(router, api);
  if (deps.ca) addConnectCaRoutes(router, deps.ca, { scheduler: deps.scheduler });
  router.get('/v1/rxds/sources', () => ({ body: deps.sourceStatus?.list() ?? [] }));
  return Object.assign(router.handle, { releaseWaiters: () => api.releaseWaiters() });
}
