import type { Router } from '../../core/http/router.js';
import type { ServiceRecord } from '../store/catalog-state.js';
import { cachedBody, indexHeaders, type ApiContext } from './api-context.js';
import { flag } from './agent-routes.js';
import { catalogService, healthEntry } from './render.js';

/** The catalog and health endpoints; all blocking. */
export function addCatalogRoutes(router: Router, api: ApiContext): void {
  const { catalog } = api.deps;

  const servicesCache = new WeakMap<object, Buffer>();
  router.get('/v1/catalog/services', (ctx) =>
    api.blocking(ctx, catalog.servicesIndex$, (slice) => {
      const authz = api.callers.of(ctx.req);
      return {
        body: authz.readsEverything
          ? cachedBody(servicesCache, slice, (v) => v)
          : Object.fromEntries(Object.entries(slice.value).filter(([name]) => authz.serviceRead(name))),
        headers: indexHeaders(slice.index),
      };
    }),
  );

  const serviceCache = new WeakMap<object, Buffer>();
  router.get('/v1/catalog/service/:name', (ctx) => {
    const tags = ctx.query.getAll('tag');
    return api.blocking(ctx, catalog.service$(ctx.params['name']!), (slice) => ({
      body:
        tags.length === 0
          ? cachedBody(serviceCache, slice, (list) => list.map((s) => catalogService(s, api.node)))
          : slice.value.filter((s) => hasTags(s, tags)).map((s) => catalogService(s, api.node)),
      headers: indexHeaders(slice.index),
    }));
  });

  const healthCache = new WeakMap<object, Buffer>();
  router.get('/v1/health/service/:name', (ctx) => {
    const name = ctx.params['name']!;
    const tags = ctx.query.getAll('tag');
    const slice$ = flag(ctx.query, 'passing') ? catalog.healthyEndpoints$(name) : catalog.serviceHealth$(name);
    return api.blocking(ctx, slice$, (slice) => ({
      body:
        tags.length === 0
          ? cachedBody(healthCache, slice, (list) => list.map((h) => healthEntry(h, api.node)))
          : slice.value.filter((h) => hasTags(h.service, tags)).map((h) => healthEntry(h, api.node)),
      headers: indexHeaders(slice.index),
    }));
  });
}

function hasTags(s: ServiceRecord, tags: readonly string[]): boolean {
  return tags.every((t) => s.Tags.includes(t));
}
