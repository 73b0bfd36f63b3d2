import { ConstantBackoff, ExponentialBackoff, handleWhen, noop, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, type IKeyValue, type IRequestOp, type ICompare, type ITxnResponse } from 'etcd3';
import { isPermanentEtcdFailure } from './etcd-errors.js';
import { prefixEnd } from './etcd-keys.js';
import type { KeyChange } from './etcd-state.js';

export interface EtcdClientOptions {
  readonly endpoints: readonly string[];
  /** Deadline of each unary call (ms); default 2000. A write against a hung etcd fails after this. */
  readonly requestTimeoutMs?: number;
  /** TLS material for `https://` endpoints (PEM): the CA that signed etcd's certificate, and a client certificate. */
  readonly tls?: EtcdTlsOptions;
  /** etcd user/password authentication. */
  readonly auth?: EtcdAuthOptions;
}

/** PEM bytes for `https://` etcd endpoints; without `ca` the system's roots are trusted. */
export interface EtcdTlsOptions {
  readonly ca?: Buffer;
  /** Client certificate (chain) for etcd's `--client-cert-auth`; goes with `key`. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface EtcdAuthOptions {
  readonly username: string;
  readonly password: string;
}

/**
 * The etcd3 client as the store uses it. Fault handling (BRIEF §7): no per-host circuit breaker (it
 * keeps a restarted etcd unused for 5 s), three attempts 50 ms apart for each call, gRPC reconnects
 * after 50–500 ms, and a deadline on every unary call so a hung etcd cannot hold a write forever.
 */
export function createEtcdClient(options: EtcdClientOptions): Etcd3 {
  const timeout = options.requestTimeoutMs ?? 2000;
  const tls = options.tls;
  return new Etcd3({
    // Only when TLS material is given (etcd3 makes an https:// endpoint TLS with the system roots itself).
    ...(tls && (tls.ca || tls.cert || tls.key)
      ? {
          credentials: {
            // etcd3 passes this on to grpc.credentials.createSsl, where a null root means the system's roots.
            rootCertificate: tls.ca ?? (null as unknown as Buffer),
            ...(tls.cert ? { certChain: tls.cert } : {}),
            ...(tls.key ? { privateKey: tls.key } : {}),
          },
        }
      : {}),
    ...(options.auth ? { auth: { username: options.auth.username, password: options.auth.password } } : {}),
    // `http://host:port/` (accepted by --etcd-endpoints) would not parse as a gRPC target with the slash.
    hosts: options.endpoints.map((e) => e.replace(/\/+$/, '')),
    dialTimeout: timeout,
    faultHandling: {
      host: () => noop,
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 2, backoff: new ConstantBackoff(50) }),
      watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }).next(),
    },
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 500,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
  });
}

export function changeOf(kv: IKeyValue, deleted = false): KeyChange {
  return { key: kv.key.toString(), value: deleted ? undefined : kv.value.toString(), modRevision: Number(kv.mod_revision) };
}

/** Every key under `prefix` at one revision, read in pages (a large catalog does not need one huge reply). */
export async function rangePrefix(client: Etcd3, prefix: string, pageSize = 1000): Promise<{ rows: KeyChange[]; revision: number }> {
  const end = prefixEnd(Buffer.from(prefix));
  const rows: KeyChange[] = [];
  let key = Buffer.from(prefix);
  let revision: number | undefined;
  for (;;) {
    const res = await client.kv.range({ key, range_end: end, limit: pageSize, ...(revision ? { revision } : {}) });
    revision ??= Number(res.header.revision);
    for (const kv of res.kvs) rows.push(changeOf(kv));
    if (!res.more || res.kvs.length === 0) return { rows, revision };
    key = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
  }
}

/**
 * {@link rangePrefix}, retried until etcd answers or `ms` have passed (then the last error). An error that
 * retrying cannot mend (wrong password, permission denied, a refused certificate) is thrown at once.
 */
export async function rangePrefixWithin(client: Etcd3, prefix: string, ms: number): Promise<{ rows: KeyChange[]; revision: number }> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await rangePrefix(client, prefix);
    } catch (err) {
      if (isPermanentEtcdFailure(err)) throw err;
      if (Date.now() + 100 > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export type { ICompare, IRequestOp, ITxnResponse };

export const put = (key: string, value: string): IRequestOp => ({ request_put: { key: Buffer.from(key), value: Buffer.from(value) } });
export const del = (key: string): IRequestOp => ({ request_delete_range: { key: Buffer.from(key) } });
export const get = (key: string): IRequestOp => ({ request_range: { key: Buffer.from(key) } });
export const modRevisionIs = (key: string, revision: number): ICompare => ({ key: Buffer.from(key), target: 'Mod', result: 'Equal', mod_revision: revision });
export const absent = (key: string): ICompare => ({ key: Buffer.from(key), target: 'Create', result: 'Equal', create_revision: 0 });
