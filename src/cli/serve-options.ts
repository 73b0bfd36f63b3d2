import { resolve } from 'node:path';
import { parseHostPort, UsageError, type HostPort } from './address.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Everything `rxds serve` is configured with, validated. */
export interface ServeOptions {
  readonly configFiles: readonly string[];
  readonly dataDir: string;
  readonly httpAddr: HostPort;
  readonly grpcAddr: HostPort;
  readonly store: 'sqlite' | 'etcd';
  readonly etcdEndpoints: readonly string[];
  readonly trustDomain: string;
  readonly debounceMs: number;
  readonly debounceMaxMs: number;
  readonly logLevel: LogLevel;
  /** grpc.max_connection_age_ms of the xDS server (0 = unlimited): streams rebalance between replicas. */
  readonly grpcMaxConnectionAgeMs: number;
  /** grpc.max_connection_age_grace_ms: how long streams may go on after the connection's GOAWAY. */
  readonly grpcMaxConnectionAgeGraceMs: number;
  /** `--grpc-tls-cert/--grpc-tls-key[/--grpc-tls-ca]`: TLS (mTLS with a CA) for the xDS server; read by src/daemon/tls-credentials.ts. */
  readonly grpcTls?: { readonly cert?: string; readonly key?: string; readonly ca?: string };
  /** `--http-tls-cert/--http-tls-key`: HTTPS for the HTTP API. */
  readonly httpTls?: { readonly cert?: string; readonly key?: string };
}

/** The raw strings commander hands over. */
export interface RawServeOptions {
  config?: string[];
  dataDir?: string;
  httpAddr?: string;
  grpcAddr?: string;
  store?: string;
  etcdEndpoints?: string;
  trustDomain?: string;
  debounceMs?: string;
  debounceMaxMs?: string;
  logLevel?: string;
  grpcMaxConnectionAgeMs?: string;
  grpcMaxConnectionAgeGraceMs?: string;
  grpcTlsCert?: string;
  grpcTlsKey?: string;
  grpcTlsCa?: string;
  httpTlsCert?: string;
  httpTlsKey?: string;
}

export const SERVE_DEFAULTS = {
  dataDir: './.rxds',
  httpAddr: '127.0.0.1:8500',
  grpcAddr: '127.0.0.1:8502',
  store: 'sqlite',
  etcdEndpoints: 'http://127.0.0.1:2379',
  trustDomain: 'rxds.local',
  debounceMs: '50',
  debounceMaxMs: '1000',
  logLevel: 'info',
  grpcMaxConnectionAgeMs: '0',
  grpcMaxConnectionAgeGraceMs: '10000',
} as const;

export function parseServeOptions(raw: RawServeOptions): ServeOptions {
  const store = raw.store ?? SERVE_DEFAULTS.store;
  if (store !== 'sqlite' && store !== 'etcd') throw new UsageError(`--store: expected sqlite or etcd, got ${JSON.stringify(store)}`);
  const logLevel = (raw.logLevel ?? SERVE_DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  const debounceMs = nonNegativeInt(raw.debounceMs ?? SERVE_DEFAULTS.debounceMs, '--debounce-ms');
  const debounceMaxMs = nonNegativeInt(raw.debounceMaxMs ?? SERVE_DEFAULTS.debounceMaxMs, '--debounce-max-ms');
  if (debounceMaxMs < debounceMs) throw new UsageError(`--debounce-max-ms (${debounceMaxMs}) must not be smaller than --debounce-ms (${debounceMs})`);
  const trustDomain = raw.trustDomain ?? SERVE_DEFAULTS.trustDomain;
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(trustDomain)) {
    throw new UsageError(`--trust-domain: ${JSON.stringify(trustDomain)} is not a valid SPIFFE trust domain (lower-case letters, digits, dots, dashes)`);
  }
  const etcdEndpoints = (raw.etcdEndpoints ?? SERVE_DEFAULTS.etcdEndpoints).split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of etcdEndpoints) {
    if (!/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(e)) throw new UsageError(`--etcd-endpoints: ${JSON.stringify(e)} is not an http(s)://host:port URL`);
  }
  return {
    configFiles: (raw.config ?? []).map((f) => resolve(f)),
    dataDir: resolve(raw.dataDir ?? SERVE_DEFAULTS.dataDir),
    httpAddr: parseHostPort(raw.httpAddr ?? SERVE_DEFAULTS.httpAddr, '--http-addr'),
    grpcAddr: parseHostPort(raw.grpcAddr ?? SERVE_DEFAULTS.grpcAddr, '--grpc-addr'),
    store,
    etcdEndpoints,
    trustDomain,
    debounceMs,
    debounceMaxMs,
    logLevel,
    grpcMaxConnectionAgeMs: nonNegativeInt(raw.grpcMaxConnectionAgeMs ?? SERVE_DEFAULTS.grpcMaxConnectionAgeMs, '--grpc-max-connection-age-ms'),
    grpcMaxConnectionAgeGraceMs: nonNegativeInt(
      raw.grpcMaxConnectionAgeGraceMs ?? SERVE_DEFAULTS.grpcMaxConnectionAgeGraceMs,
      '--grpc-max-connection-age-grace-ms',
    ),
    ...(raw.grpcTlsCert || raw.grpcTlsKey || raw.grpcTlsCa
      ? { grpcTls: { ...file('cert', raw.grpcTlsCert), ...file('key', raw.grpcTlsKey), ...file('ca', raw.grpcTlsCa) } }
      : {}),
    ...(raw.httpTlsCert || raw.httpTlsKey ? { httpTls: { ...file('cert', raw.httpTlsCert), ...file('key', raw.httpTlsKey) } } : {}),
  };
}

function file<K extends string>(key: K, path: string | undefined): Partial<Record<K, string>> {
  return path ? ({ [key]: resolve(path) } as Partial<Record<K, string>>) : {};
}

function nonNegativeInt(value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag}: expected a whole number of milliseconds, got ${JSON.stringify(value)}`);
  return Number(value);
}
