import { formatHostPort, parseHostPort, UsageError } from './address.js';

/** Where the CLI finds rxds's HTTP API when neither --http-addr nor an environment variable says. */
export const DEFAULT_HTTP_ADDR = '127.0.0.1:8500';

/** The server could not be reached at all (refused, unknown host, timed out): exit code 3. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      `cannot reach rxds at ${address} (${reason}). Is \`rxds serve\` running on ${address}? ` +
        'Use --http-addr (or RXDS_HTTP_ADDR) to point at it.',
    );
  }
}

export interface HttpResponse {
  readonly status: number;
  /** The body parsed as JSON when it is JSON, else the text. */
  readonly body: unknown;
  readonly text: string;
  readonly ok: boolean;
}

export interface HttpClient {
  /** host:port (or the URL) as the user gave it, for messages. */
  readonly address: string;
  readonly baseUrl: string;
  request(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  /** `host:port`, or an `http://` / `https://` URL (as CONSUL_HTTP_ADDR may be). */
  readonly address: string;
  /** Sent as `X-Consul-Token` when set. */
  readonly token?: string;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
}

/** A small JSON client for rxds's HTTP API: what the CLI's client commands talk through. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { baseUrl, address } = resolveBaseUrl(options.address);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    address,
    baseUrl,
    async request(method, path, body) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.token) headers['x-consul-token'] = options.token;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(`${baseUrl}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new UnreachableError(address, describeFetchError(err, timeoutMs));
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw new UnreachableError(address, describeFetchError(err, timeoutMs));
      }
      return { status: res.status, ok: res.ok, text, body: parseBody(text, res.headers.get('content-type')) };
    },
  };
}

/** The message of an error response: `{"error": ...}`, or Consul's plain-text body. */
export function errorMessage(res: HttpResponse): string {
  const b = res.body;
  if (b !== null && typeof b === 'object' && 'error' in b && typeof (b as { error: unknown }).error === 'string') {
    return (b as { error: string }).error;
  }
  const text = res.text.trim();
  return text === '' ? `HTTP ${res.status}` : text;
}

function resolveBaseUrl(raw: string): { baseUrl: string; address: string } {
  const value = raw.trim();
  const m = /^(https?):\/\/([^/]+)\/?$/i.exec(value);
  if (m) {
    const hp = parseHostPort(m[2]!, '--http-addr');
    return { baseUrl: `${m[1]!.toLowerCase()}://${formatHostPort(hp)}`, address: formatHostPort(hp) };
  }
  if (value.includes('://')) throw new UsageError(`--http-addr: expected host:port or http(s)://host:port, got ${JSON.stringify(raw)}`);
  const hp = parseHostPort(value, '--http-addr');
  if (hp.port === 0) throw new UsageError('--http-addr: port 0 cannot be dialled; give the port rxds listens on');
  return { baseUrl: `http://${formatHostPort(hp)}`, address: formatHostPort(hp) };
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('json') || /^[[{"]/.test(text.trim())) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return e?.cause?.message ?? e?.message ?? String(err);
}
