import { Command, Option } from 'commander';
import { createHttpClient, DEFAULT_HTTP_ADDR, errorMessage, UnreachableError, type HttpClient, type HttpResponse } from '../http-client.js';
import { CliError } from './cli-error.js';

export type OutputFormat = 'table' | 'json';

/** Flags every client command takes. */
export interface ClientFlags {
  readonly httpAddr?: string;
  readonly token?: string;
  readonly format: OutputFormat;
}

/** Where output goes (process.stdout / process.stderr in the binary). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  env: process.env,
};

/** Adds --http-addr, --token and --format (default `format`) to a client command. */
export function withClientOptions(cmd: Command, format: OutputFormat = 'table'): Command {
  return cmd
    .option('--http-addr <host:port>', `rxds HTTP API address (default: $RXDS_HTTP_ADDR, $CONSUL_HTTP_ADDR or ${DEFAULT_HTTP_ADDR})`)
    .option('--token <token>', 'ACL token sent as X-Consul-Token (default: $RXDS_TOKEN or $CONSUL_HTTP_TOKEN)')
    .addOption(new Option('--format <format>', 'output format: a readable table, or JSON for scripts').choices(['table', 'json']).default(format));
}

/** The HTTP client for the flags, with the environment's defaults. */
export function clientFor(flags: ClientFlags, io: CliIo): HttpClient {
  const env = io.env;
  const address = flags.httpAddr ?? nonEmpty(env['RXDS_HTTP_ADDR']) ?? nonEmpty(env['CONSUL_HTTP_ADDR']) ?? DEFAULT_HTTP_ADDR;
  const token = flags.token ?? nonEmpty(env['RXDS_TOKEN']) ?? nonEmpty(env['CONSUL_HTTP_TOKEN']);
  return createHttpClient({ address, ...(token ? { token } : {}) });
}

/**
 * Sends a request and returns the response when it succeeded; otherwise throws the CliError a script can
 * act on (1: the server refused, with its message; 3: unreachable, with what to do).
 */
export async function call(client: HttpClient, method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<HttpResponse> {
  let res: HttpResponse;
  try {
    res = await client.request(method, path, body);
  } catch (err) {
    if (err instanceof UnreachableError) throw new CliError(err.message, 3);
    throw err;
  }
  if (res.ok) return res;
  const message = errorMessage(res);
  if (res.status === 403) {
    throw new CliError(`permission denied: ${message} (pass a token with --token, RXDS_TOKEN or CONSUL_HTTP_TOKEN)`, 1);
  }
  throw new CliError(`${message} (HTTP ${res.status})`, 1);
}

/** Prints a value as indented JSON. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** A path segment of a URL (IDs may hold any character). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
