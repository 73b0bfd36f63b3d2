import http from 'node:http';
import https from 'node:https';
import type { HttpCheckSpec, ProbeResult } from './check-spec.js';

/** Consul keeps at most this much of the response body as the check output. */
export const MAX_OUTPUT_BYTES = 4096;
const MAX_REDIRECTS = 10;

/**
 * Consul's HTTP check: a request (GET unless Method is set) to the check's URL; a 2xx answer is passing, 429
 * (Too Many Requests) is warning, anything else critical. Redirects are followed (up to 10), as Go's HTTP
 * client does. Output: `HTTP GET <url>: 200 OK Output: <first 4 KiB of the body>`.
 * Connection errors reject (the runner turns them into critical with the error text).
 */
export async function httpProbe(spec: HttpCheckSpec, signal: AbortSignal): Promise<ProbeResult> {
  const method = (spec.method ?? 'GET').toUpperCase();
  let url = new URL(spec.http);
  let currentMethod = method;
  let body = spec.body;
  for (let hop = 0; ; hop++) {
    const res = await request(url, currentMethod, body, spec, signal);
    const location = res.headers.location;
    if (location && [301, 302, 303, 307, 308].includes(res.statusCode) && hop < MAX_REDIRECTS) {
      url = new URL(location, url);
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && currentMethod === 'POST')) {
        currentMethod = 'GET';
        body = undefined;
      }
      continue;
    }
    const code = res.statusCode;
    const status = code >= 200 && code < 300 ? 'passing' : code === 429 ? 'warning' : 'critical';
    const text = `${code} ${res.statusMessage || http.STATUS_CODES[code] || ''}`.trim();
    return { status, output: `HTTP ${method} ${spec.http}: ${text} Output: ${res.body}` };
  }
}

interface Answer {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function request(url: URL, method: string, body: string | undefined, spec: HttpCheckSpec, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { 'User-Agent': 'Consul Health Check', Accept: 'text/plain, text/*, */*' };
    for (const [k, v] of Object.entries(spec.header ?? {})) headers[k] = [...v];
    const options: https.RequestOptions = { method, headers, signal };
    if (url.protocol === 'https:') {
      options.rejectUnauthorized = !spec.tlsSkipVerify;
      if (spec.tlsServerName) options.servername = spec.tlsServerName;
    } else if (url.protocol !== 'http:') {
      reject(new Error(`unsupported URL scheme "${url.protocol}"`));
      return;
    }
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (): void => {
        resolve({
          statusCode: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          body: Buffer.concat(chunks).subarray(0, MAX_OUTPUT_BYTES).toString('utf8'),
        });
      };
      res.on('data', (c: Buffer) => {
        if (size >= MAX_OUTPUT_BYTES) return;
        chunks.push(c);
        size += c.length;
        if (size >= MAX_OUTPUT_BYTES) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
