import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** A real etcd (apt `etcd-server`) on loopback ports with its own data dir, for tests. */
export interface EtcdServer {
  /** The client URL, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  readonly dataDir: string;
  /** Kills the process (SIGKILL by default: as abrupt as a crash) and waits for it to exit. Data stays. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and data dir; resolves once `/health` answers. */
  start(): Promise<void>;
  /** Stops it and removes the data dir. */
  destroy(): Promise<void>;
}

/**
 * TLS for etcd's client URLs (peer URLs stay http): its server certificate and key, and with `trustedCaFile`
 * client-certificate auth (`--client-cert-auth`). The health probe uses `clientCertFile`/`clientKeyFile`.
 */
export interface EtcdServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly trustedCaFile: string;
  readonly clientCertAuth?: boolean;
  readonly clientCertFile?: string;
  readonly clientKeyFile?: string;
}

/** The etcd binary (apt `etcd-server` puts it on PATH; .ci/run installs it). */
export const ETCD_BIN = 'etcd';

/**
 * Starts etcd with the fast single-node flags (no fsync unless `fsync`, 10 ms heartbeats) on free ports and
 * resolves once `/health` answers healthy. Stopped by PID, never by name.
 */
export async function startEtcd(opts: { timeoutMs?: number; tls?: EtcdServerTls; fsync?: boolean } = {}): Promise<EtcdServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rxds-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const tls = opts.tls;
  const endpoint = `${tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const tlsArgs = tls
    ? ['--cert-file', tls.certFile, '--key-file', tls.keyFile, '--trusted-ca-file', tls.trustedCaFile, ...(tls.clientCertAuth ? ['--client-cert-auth'] : [])]
    : [];
  const peer = `http://127.0.0.1:${peerPort}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async () => {
    if (child) return;
    output = '';
    const proc = spawn(
      ETCD_BIN,
      [
        '--name', 'n',
        '--data-dir', join(dataDir, 'data'),
        '--listen-client-urls', endpoint,
        '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `n=${peer}`,
        ...(opts.fsync ? [] : ['--unsafe-no-fsync']),
        '--heartbeat-interval', '10',
        '--election-timeout', '50',
        '--max-txn-ops', '1024',
        '--log-level', 'warn',
        ...tlsArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = proc;
    // Not left running when the test process exits before its after() hooks (process.exit, an uncaught error).
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    proc.once('exit', () => process.removeListener('exit', killOnExit));
    proc.stderr!.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        if (child === proc) child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      if (!child) throw new Error(`etcd exited during startup: ${output}`);
      if (await healthy(endpoint, tls)) return;
      if (Date.now() > deadline) {
        await stop('SIGKILL');
        throw new Error(`etcd did not become healthy in time: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    await exited;
  };
  await start();
  return {
    endpoint,
    dataDir,
    start,
    stop,
    async destroy() {
      await stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function healthy(endpoint: string, tls?: EtcdServerTls): Promise<boolean> {
  return new Promise((resolve) => {
    const httpGet = tls ? httpsGet : get;
    const tlsOptions = tls
      ? {
          ca: readFileSync(tls.trustedCaFile),
          ...(tls.clientCertFile && tls.clientKeyFile ? { cert: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile) } : {}),
        }
      : {};
    const req = httpGet(`${endpoint}/health`, { timeout: 500, ...tlsOptions }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
