import type { IncomingMessage } from 'node:http';
import { badRequest, HttpError, payloadTooLarge } from './http-error.js';

/** The default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Reads the whole request body, refusing more than `limit` bytes (413, checked against Content-Length
 * first and then against what actually arrives), and parses it as JSON (400 with the parser's message).
 * An empty body is `undefined`.
 */
export async function readJsonBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const text = await readBody(req, limit);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads the whole body as UTF-8 text, at most `limit` bytes. */
export function readBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    // Do not read (or buffer) what we are going to refuse; the connection is closed after the answer.
    req.resume();
    return Promise.reject(withClose(payloadTooLarge(limit)));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        finish(withClose(payloadTooLarge(limit)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onError = (err: Error) => finish(new HttpError(400, `request body could not be read: ${err.message}`));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function withClose(err: HttpError): HttpError {
  return new HttpError(err.status, err.message, { ...err.headers, connection: 'close' });
}
