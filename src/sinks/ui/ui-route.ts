import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RouteHandler } from '../../core/http/router.js';
import { sendJson } from '../../core/http/respond.js';

/** Content types of the files the dashboard is made of; any other file in the folder is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** What the browser may do with these pages: only load this origin's scripts, styles and API. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The page may be opened with ?token=: never leak it in a Referer.
  'referrer-policy': 'no-referrer',
} as const;

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

export interface UiRouteOptions {
  /** Folder of the static files (default: the `static` folder next to this module's source). */
  readonly root?: string;
}

/**
 * Serves the dashboard: `GET /ui/` (index.html) and `GET /ui/<file>` for the files of the static folder,
 * read once at creation. Only those files are served — a request for anything else (`..`, encoded
 * slashes, sub-folders, unknown names) is a 404 — so no path can reach outside the folder. `GET /` and
 * `GET /ui` redirect to `/ui/` (query kept, for `?token=`). Every response is revalidated
 * (`cache-control: no-cache` + a content-hash ETag; `If-None-Match` answers 304): a new rxds version's
 * page is never mixed with cached old modules.
 */
export function createUiRoute(options: UiRouteOptions = {}): RouteHandler {
  const assets = loadAssets(options.root ?? defaultRoot());
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path !== '/' && path !== '/ui' && !path.startsWith('/ui/')) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      sendJson(res, 405, { error: `method ${method} not allowed on ${path}; the dashboard is read-only` }, { allow: 'GET, HEAD' });
      return true;
    }
    if (path === '/' || path === '/ui') {
      res.writeHead(302, { location: `/ui/${url.search}`, 'content-length': 0 });
      res.end();
      return true;
    }
    const name = path === '/ui/' ? 'index.html' : path.slice('/ui/'.length);
    const asset = assets.get(name);
    if (!asset) {
      sendJson(res, 404, { error: `no such dashboard file: ${path}` });
      return true;
    }
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': asset.contentType,
      'cache-control': 'no-cache',
      etag: asset.etag,
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': asset.body.length });
    res.end(method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}

function loadAssets(root: string): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(root)) {
    const contentType = CONTENT_TYPES[extname(name)];
    const file = join(root, name);
    if (!contentType || !statSync(file).isFile()) continue;
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, contentType, etag });
  }
  if (!assets.has('index.html')) throw new Error(`dashboard files not found: no index.html in ${root}`);
  return assets;
}

/**
 * The static folder lives in src/ (it is plain HTML/CSS/JS, not compiled): next to this module when run
 * from source, or at ../../../src/sinks/ui/static from the compiled dist/sinks/ui/.
 */
function defaultRoot(): string {
  const candidates = [new URL('./static/', import.meta.url), new URL('../../../src/sinks/ui/static/', import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(join(p, 'index.html'))) return p;
  }
  return fileURLToPath(candidates[0]!);
}
