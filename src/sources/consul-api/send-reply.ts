import type { ServerResponse } from 'node:http';
import type { Reply } from '../../core/http/router.js';

interface RawHead {
  readonly headers: Reply['headers'];
  readonly raw: readonly (string | number)[];
  /** The body as a string: Node sends head and a string body in one write (a Buffer body takes a writev). */
  readonly text: string;
}

/** Raw header lists, built once per response body (a slice's bytes are shared by all its waiters). */
const heads = new WeakMap<Buffer, RawHead>();

/**
 * Writes a 200 reply whose body is already-serialized JSON straight to `res`, with a header list built
 * once per body and one `end(bytes)`: the path a released blocking query takes. Returns false (nothing
 * written) for any other reply, which the router then sends as usual.
 */
export function sendReply(res: ServerResponse, reply: Reply): boolean {
  const body = reply.body;
  if (!Buffer.isBuffer(body) || (reply.status !== undefined && reply.status !== 200)) return false;
  if (res.headersSent || res.destroyed) return true;
  let head = heads.get(body);
  if (!head || !sameHeaders(head.headers, reply.headers)) {
    const raw: (string | number)[] = [];
    for (const [k, v] of Object.entries(reply.headers ?? {})) raw.push(k, String(v));
    raw.push('content-type', 'application/json', 'content-length', String(body.length));
    head = { headers: reply.headers, raw, text: body.toString('utf8') };
    heads.set(body, head);
  }
  res.writeHead(200, head.raw as string[]);
  res.end(head.text, 'utf8');
  return true;
}

function sameHeaders(a: Reply['headers'], b: Reply['headers']): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  let n = 0;
  for (const k in b) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  return n === Object.keys(a).length;
}
