import type { ServerResponse } from 'node:http';
import type { HttpError } from './http-error.js';

export type Headers = Readonly<Record<string, string | number>>;

/** Writes a JSON body (already serialized bytes are sent as they are). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body === undefined ? null : body));
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': bytes.length,
  });
  res.end(bytes);
}

/** Writes an empty 200-style response (Consul answers most writes with an empty body). */
export function sendEmpty(res: ServerResponse, status = 200, headers: Headers = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/** Writes `{"error": message}` with the error's status. */
export function sendError(res: ServerResponse, err: HttpError, headers: Headers = {}): void {
  sendJson(res, err.status, { error: err.message }, { ...headers, ...err.headers });
}
