import { Subject, asyncScheduler, take, takeUntil, type Observable } from 'rxjs';
import { HttpError, notFound } from '../../core/http/http-error.js';
import { createRouter, type Route, type RouteHandler } from '../../core/http/router.js';
import { silentLogger } from '../../core/logger.js';
import type { AdminApiDeps, Readiness } from './admin-deps.js';
import { createResourceRenderer, proxyConfig, proxyConfig$, type ProxyConfig } from './proxy-config.js';
import { proxyView, proxyViews, streamsOfNode } from './proxy-status-view.js';
import { serveSse } from './sse-session.js';
import { watchEvents } from './watch-events.js';

export const DEFAULT_HEARTBEAT_MS = 15_000;

/** The admin endpoints' request handler, plus a way to end the long-lived watch streams at shutdown. */
export interface AdminApi extends RouteHandler {
  /**
   * Ends every open watch stream cleanly (and refuses new ones with 503): call it before closing the
   * HTTP server, whose close otherwise waits for them.
   */
  closeWatches(): void;
}
export const DEFAULT_MAX_WATCHERS = 1000;

/**
 * rxds's own endpoints (CONTRACT section 3): `GET /v1/rxds/proxies` (sync status per proxy and type),
 * `GET /v1/rxds/proxies/:id` (one proxy), `GET /v1/rxds/proxies/:id/config` (what it was last sent, as
 * protobuf JSON), `GET /v1/rxds/proxies/:id/watch` (Server-Sent Events: `config`, then `patch` events
 * with RFC 6902 patches), `GET /healthz` and `GET /readyz`. Errors are `{"error": ...}`; an unknown
 * proxy id is 404.
 */
export function createAdminApi(deps: AdminApiDeps): AdminApi {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const heartbeatMs = deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const maxWatchers = deps.maxWatchers ?? DEFAULT_MAX_WATCHERS;
  const renderer = createResourceRenderer();
  const streams$ = deps.xds.streams$;
  const statuses = () => latest(streams$) ?? new Map();
  let watchers = 0;
  let stopped = false;
  const stop$ = new Subject<void>();

  const router = createRouter({ logger });
  const guarded = (route: Route): Route => async (ctx) => {
    await deps.authorize?.(ctx.req);
    return route(ctx);
  };
  // One proxy's endpoints: its own check when given (the node id is known before anything is read).
  const guardedProxy = (route: Route): Route => async (ctx) => {
    const id = ctx.params['id']!;
    if (deps.authorizeProxy) await deps.authorizeProxy(ctx.req, id);
    else await deps.authorize?.(ctx.req);
    return route(ctx);
  };
  const unknownProxy = (id: string) =>
    notFound(`no proxy with node id ${JSON.stringify(id)} is connected (see GET /v1/rxds/proxies)`);

  router.get(
    '/v1/rxds/proxies',
    guarded(() => ({ body: proxyViews(statuses(), now(), deps.serviceOf) })),
  );

  router.get(
    '/v1/rxds/proxies/:id',
    guardedProxy(({ params }) => {
      const id = params['id']!;
      const streams = streamsOfNode(statuses(), id);
      if (streams.length === 0) throw unknownProxy(id);
      return { body: proxyView(streams, now(), deps.serviceOf) };
    }),
  );

  router.get(
    '/v1/rxds/proxies/:id/config',
    guardedProxy(({ params }) => {
      const id = params['id']!;
      const config = proxyConfig(statuses(), id, renderer);
      if (!config) throw unknownProxy(id);
      return { body: config };
    }),
  );

  router.get(
    '/v1/rxds/proxies/:id/watch',
    guardedProxy(({ req, res, params }) => {
      const id = params['id']!;
      if (streamsOfNode(statuses(), id).length === 0) throw unknownProxy(id);
      if (stopped) throw new HttpError(503, 'the server is shutting down');
      if (watchers >= maxWatchers) throw new HttpError(503, `too many watch streams (limit ${maxWatchers}); try again later`);
      watchers++;
      logger.debug({ nodeId: id, watchers }, 'watch stream opened');
      serveSse<ProxyConfig>(
        req,
        res,
        (writable$) => watchEvents(proxyConfig$(streams$, id, renderer), { scheduler, heartbeatMs, writable$ }).pipe(takeUntil(stop$)),
        logger.child({ nodeId: id }),
        () => {
          watchers--;
          logger.debug({ nodeId: id, watchers }, 'watch stream closed');
        },
      );
    }),
  );

  router.get('/healthz', () => ({ body: { Status: 'serving' } }));

  router.get('/readyz', () => {
    const r = normalize(latest(deps.ready$));
    const sources = deps.sources ? { Sources: deps.sources.list() } : {};
    if (r.ready) return { body: { Status: 'ready', ...sources } };
    return { status: 503, body: { error: `not ready: ${r.reason}`, ...sources } };
  });

  return Object.assign(router.handle, {
    closeWatches() {
      stopped = true;
      stop$.next();
    },
  });
}

function normalize(r: Readiness | undefined): { ready: boolean; reason: string } {
  if (r === undefined) return { ready: false, reason: 'readiness has not been reported yet' };
  if (typeof r === 'boolean') return { ready: r, reason: 'waiting for every source to load its initial state' };
  return { ready: r.ready, reason: r.reason ?? 'waiting for every source to load its initial state' };
}

/** The value an Observable replays synchronously on subscribe, if any. */
function latest<T>(source: Observable<T>): T | undefined {
  let value: T | undefined;
  source.pipe(take(1)).subscribe((v) => (value = v)).unsubscribe();
  return value;
}
