import type { IncomingMessage } from 'node:http';
import type { Registry } from 'prom-client';
import { createRouter, type RouteHandler } from '../../core/http/router.js';
import { silentLogger, type Logger } from '../../core/logger.js';

export interface MetricsRouteOptions {
  readonly logger?: Logger;
  /** Access check (throw an HttpError to refuse); none by default, as Prometheus scrapers carry no token. */
  readonly authorize?: (req: IncomingMessage) => void | Promise<void>;
}

/** `GET /metrics`: the registry in the Prometheus text exposition format. */
export function createMetricsRoute(registry: Registry, options: MetricsRouteOptions = {}): RouteHandler {
  const router = createRouter({ logger: options.logger ?? silentLogger });
  router.get('/metrics', async ({ req, res }) => {
    await options.authorize?.(req);
    const text = Buffer.from(await registry.metrics());
    if (res.headersSent || res.destroyed) return;
    res.writeHead(200, { 'content-type': registry.contentType, 'content-length': text.length });
    res.end(text);
  });
  return router.handle;
}
