import type { IncomingMessage, ServerResponse } from 'node:http';
import { silentLogger, type Logger } from '../logger.js';
import { badRequest, HttpError, methodNotAllowed } from './http-error.js';
import { sendEmpty, sendError, sendJson, type Headers } from './respond.js';

/**
 * A request handler that may or may not own the request: `true` (or a promise of it) when it answered,
 * or will answer, it; `false` to let the next handler try. {@link createHttpServer} chains them and
 * answers 404 when none claims a request.
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Path parameters, URL-decoded: `:name` is one segment, `*name` the rest of the path. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly path: string;
}

/** What a route answers: JSON `body` (a Buffer is sent as already-serialized JSON), or an empty body. */
export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Headers;
}

/** A route returns a Reply, or nothing when it wrote the response itself (streams, long polls). */
export type Route = (ctx: RouteContext) => Promise<Reply | void> | Reply | void;

export interface RouterOptions {
  readonly logger?: Logger;
  /** Headers added to every response of this router (errors included); a route's own headers win. */
  readonly headers?: () => Headers;
}

export interface Router {
  get(pattern: string, route: Route): Router;
  put(pattern: string, route: Route): Router;
  post(pattern: string, route: Route): Router;
  delete(pattern: string, route: Route): Router;
  readonly handle: RouteHandler;
}

interface Entry {
  readonly method: string;
  readonly segments: readonly string[];
  readonly route: Route;
}

/** A small path router: exact segments, `:param` and a trailing `*rest`; the most specific match wins. */
export function createRouter(options: RouterOptions = {}): Router {
  const logger = options.logger ?? silentLogger;
  const entries: Entry[] = [];
  const extraHeaders = options.headers ?? (() => ({}));

  const add = (method: string) => (pattern: string, route: Route) => {
    entries.push({ method, segments: pattern.split('/').filter((s) => s !== ''), route });
    return router;
  };

  /** Sends what a route answered: its Reply, or nothing when the route wrote the response itself. */
  const send = (res: ServerResponse, reply: Reply | void, method: string, path: string): void => {
    if (!reply) return;
    try {
      const headers = { ...extraHeaders(), ...reply.headers };
      if (reply.body === undefined) sendEmpty(res, reply.status ?? 200, headers);
      else sendJson(res, reply.status ?? 200, reply.body, headers);
    } catch (err) {
      fail(res, err, method, path);
    }
  };
  /** Answers a route's failure: its HttpError, or a logged 500. Never throws (it may run in a promise callback). */
  const fail = (res: ServerResponse, err: unknown, method: string, path: string): void => {
    try {
      if (err instanceof HttpError) {
        sendError(res, err, extraHeaders());
        return;
      }
      logger.error({ err, method, path }, 'request failed');
      sendJson(res, 500, { error: 'internal error' }, extraHeaders());
    } catch (second) {
      logger.error({ err: second, method, path }, 'could not send the error answer');
      res.destroy();
    }
  };

  // Not an async function, and it claims a matched request at once: a route that parks its request (a
  // blocking query) then holds no suspended frame, URL or match list here, only the two callbacks below.
  const handle: RouteHandler = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const parts = path.split('/').filter((s) => s !== '');
    const matching: { entry: Entry; params: Record<string, string> | HttpError }[] = [];
    for (const entry of entries) {
      const params = match(entry.segments, parts);
      if (params) matching.push({ entry, params });
    }
    if (matching.length === 0) return false;
    const method = req.method ?? 'GET';
    // The most specific route wins: static segments before `:params`, `:params` before `*rest`.
    const found = matching
      .filter((m) => m.entry.method === method)
      .sort((x, y) => specificity(y.entry.segments) - specificity(x.entry.segments))[0];
    try {
      if (!found) throw methodNotAllowed([...new Set(matching.map((m) => m.entry.method))]);
      if (found.params instanceof HttpError) throw found.params;
      const reply = found.entry.route({ req, res, params: found.params, query: url.searchParams, path });
      if (isPromise(reply)) {
        reply.then(
          (r) => send(res, r, method, path),
          (err: unknown) => fail(res, err, method, path),
        );
        return true;
      }
      send(res, reply, method, path);
    } catch (err) {
      fail(res, err, method, path);
    }
    return true;
  };

  const router: Router = { get: add('GET'), put: add('PUT'), post: add('POST'), delete: add('DELETE'), handle };
  return router;
}

function isPromise<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as { then?: unknown } | undefined)?.then === 'function';
}

function match(pattern: readonly string[], parts: readonly string[]): Record<string, string> | HttpError | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i]!;
    if (seg.startsWith('*')) {
      if (i >= parts.length) return undefined;
      const rest = decode(parts.slice(i).join('/'));
      if (rest instanceof HttpError) return rest;
      params[seg.slice(1)] = rest;
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.startsWith(':')) {
      const value = decode(part);
      if (value instanceof HttpError) return value;
      params[seg.slice(1)] = value;
    } else if (seg !== part) return undefined;
  }
  return parts.length === pattern.length ? params : undefined;
}

function specificity(segments: readonly string[]): number {
  let score = 0;
  for (const seg of segments) score = score * 3 + (seg.startsWith('*') ? 0 : seg.startsWith(':') ? 1 : 2);
  return score;
}

function decode(s: string): string | HttpError {
  try {
    return decodeURIComponent(s);
  } catch {
    return badRequest(`malformed URL encoding in path: ${s}`);
  }
}
