import { resolve } from 'node:path';
import { parseHostPort, UsageError, type HostPort } from './address.js';
import { readCertificateFile, readKeyPair } from './pem-files.js';

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
  /** `--etcd-ca-file/--etcd-cert-file/--etcd-key-file`, read and checked (PEM bytes): TLS to https:// etcd endpoints. */
  readonly etcdTls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** `--etcd-username` with the password from `RXDS_ETCD_PASSWORD` (never a flag: it would show in `ps`). */
  readonly etcdAuth?: { readonly username: string; readonly password: string };
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
  etcdCaFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  etcdUsername?: string;
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

/** The environment variable that holds the etcd password of `--etcd-username`. */
export const ETCD_PASSWORD_ENV = 'RXDS_ETCD_PASSWORD';

/** `env` is where `RXDS_ETCD_PASSWORD` is read from (default `process.env`). */
export function parseServeOptions(raw: RawServeOptions, env: NodeJS.ProcessEnv = process.env): ServeOptions {
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
  const etcdSecurity = parseEtcdSecurity(raw, store, etcdEndpoints, env);
  return {
    configFiles: (raw.config ?? []).map((f) => resolve(f)),
    dataDir: resolve(raw.dataDir ?? SERVE_DEFAULTS.dataDir),
    httpAddr: parseHostPort(raw.httpAddr ?? SERVE_DEFAULTS.httpAddr, '--http-addr'),
    grpcAddr: parseHostPort(raw.grpcAddr ?? SERVE_DEFAULTS.grpcAddr, '--grpc-addr'),
    store,
    etcdEndpoints,
    ...etcdSecurity,
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

/**
 * `--etcd-ca-file/--etcd-cert-file/--etcd-key-file/--etcd-username` (+ `RXDS_ETCD_PASSWORD`): only with
 * `--store etcd`; TLS files only with https:// endpoints; cert and key together, and the key must be the
 * certificate's; every file read here, so a bad one is a usage error naming it (exit 2).
 */
function parseEtcdSecurity(
  raw: RawServeOptions,
  store: 'sqlite' | 'etcd',
  endpoints: readonly string[],
  env: NodeJS.ProcessEnv,
): Pick<ServeOptions, 'etcdTls' | 'etcdAuth'> {
  const tlsFlags = (
    [
      ['--etcd-ca-file', raw.etcdCaFile],
      ['--etcd-cert-file', raw.etcdCertFile],
      ['--etcd-key-file', raw.etcdKeyFile],
    ] as const
  ).filter(([, v]) => v !== undefined);
  const given = [...tlsFlags.map(([flag]) => flag), ...(raw.etcdUsername !== undefined ? ['--etcd-username'] : [])];
  if (store === 'etcd' && raw.etcdUsername === undefined && env[ETCD_PASSWORD_ENV]) {
    // Not silently unused: a password meant for etcd's auth goes with the user it logs in as.
    throw new UsageError(`${ETCD_PASSWORD_ENV} is set but --etcd-username is not: give the etcd user it is the password of (or unset it)`);
  }
  if (given.length === 0) return {};
  if (store !== 'etcd') throw new UsageError(`${given.join(', ')}: only with --store etcd`);
  let etcdTls: ServeOptions['etcdTls'];
  if (tlsFlags.length > 0) {
    const plain = endpoints.filter((e) => e.startsWith('http://'));
    if (plain.length > 0) {
      throw new UsageError(`${tlsFlags.map(([flag]) => flag).join(', ')}: TLS needs https:// etcd endpoints (--etcd-endpoints has ${plain.join(', ')})`);
    }
    if (!raw.etcdCertFile !== !raw.etcdKeyFile) {
      throw new UsageError(`--etcd-cert-file and --etcd-key-file go together (got only ${raw.etcdCertFile ? '--etcd-cert-file' : '--etcd-key-file'})`);
    }
    const ca = raw.etcdCaFile !== undefined ? readCertificateFile(raw.etcdCaFile, '--etcd-ca-file') : undefined;
    const { cert, key } = raw.etcdCertFile && raw.etcdKeyFile ? readKeyPair(raw.etcdCertFile, raw.etcdKeyFile, '--etcd-cert-file', '--etcd-key-file') : {};
    etcdTls = { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) };
  }
  let etcdAuth: ServeOptions['etcdAuth'];
  if (raw.etcdUsername !== undefined) {
    if (raw.etcdUsername === '') throw new UsageError('--etcd-username: must not be empty');
    const password = env[ETCD_PASSWORD_ENV];
    if (password === undefined || password === '') {
      throw new UsageError(`--etcd-username needs the password in the environment variable ${ETCD_PASSWORD_ENV} (it is not a flag: it would show in ps)`);
    }
    etcdAuth = { username: raw.etcdUsername, password };
  }
  return { ...(etcdTls ? { etcdTls } : {}), ...(etcdAuth ? { etcdAuth } : {}) };
}

function file<K extends string>(key: K, path: string | undefined): Partial<Record<K, string>> {
  return path ? ({ [key]: resolve(path) } as Partial<Record<K, string>>) : {};
}

function nonNegativeInt(value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag}: expected a whole number of milliseconds, got ${JSON.stringify(value)}`);
  return Number(value);
}
