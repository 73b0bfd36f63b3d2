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
  readonly specificity: number;
  readonly route: Route;
}

/** A small path router: exact segments, `:param` and a trailing `*rest`; the most specific match wins. */
export function createRouter(options: RouterOptions = {}): Router {
  const logger = options.logger ?? silentLogger;
  const entries: Entry[] = [];
  const extraHeaders = options.headers ?? (() => ({}));

  const add = (method: string) => (pattern: string, route: Route) => {
    const segments = pattern.split('/').filter((s) => s !== '');
    entries.push({ method, segments, specificity: specificity(segments), route });
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
    const method = req.method ?? 'GET';
    // The most specific route of the request's method wins: static segments before `:params`, `:params`
    // before `*rest`. Paths are compared without allocating; only the winner's params are decoded.
    let found: Entry | undefined;
    let anyMethod = false;
    for (const entry of entries) {
      if (!matches(entry.segments, parts)) continue;
      anyMethod = true;
      if (entry.method === method && (!found || entry.specificity > found.specificity)) found = entry;
    }
    if (!anyMethod) return false;
    try {
      if (!found) throw methodNotAllowed(allowedMethods(entries, parts));
      const params = paramsOf(found.segments, parts);
      if (params instanceof HttpError) throw params;
      const reply = found.route({ req, res, params, query: url.searchParams, path });
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

/** Whether `parts` (a request path's segments) fit `pattern`: exact segments, `:param`, a trailing `*rest`. */
function matches(pattern: readonly string[], parts: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i]!;
    if (seg.startsWith('*')) return i < parts.length;
    const part = parts[i];
    if (part === undefined) return false;
    if (!seg.startsWith(':') && seg !== part) return false;
  }
  return parts.length === pattern.length;
}

/** The URL-decoded params of a path that `matches` the pattern. */
function paramsOf(pattern: readonly string[], parts: readonly string[]): Record<string, string> | HttpError {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i]!;
    if (seg.startsWith('*')) {
      const rest = decode(parts.slice(i).join('/'));
      if (rest instanceof HttpError) return rest;
      params[seg.slice(1)] = rest;
      return params;
    }
    if (seg.startsWith(':')) {
      const value = decode(parts[i]!);
      if (value instanceof HttpError) return value;
      params[seg.slice(1)] = value;
    }
  }
  return params;
}

function allowedMethods(entries: readonly Entry[], parts: readonly string[]): string[] {
  return [...new Set(entries.filter((e) => matches(e.segments, parts)).map((e) => e.method))];
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
