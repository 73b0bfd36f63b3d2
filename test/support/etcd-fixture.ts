// One real etcd for a whole test file: started before its tests, destroyed after them.
import { after, before } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEtcdClient, type EtcdTlsOptions } from '../../src/sources/store/etcd-client.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';
import { writeEtcdTlsFiles, type TlsFileSet } from './etcd-tls-certs.js';

/** Registers the file's before/after hooks; the returned function gives the running etcd inside tests. */
export function etcdForThisFile(): () => EtcdServer {
  let etcd: EtcdServer | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.destroy();
  });
  return () => {
    if (!etcd) throw new Error('etcd is not started (use it inside a test)');
    return etcd;
  };
}

/** `GET /v1/connect/ca/roots` as the replicas answer it. */
export interface CaRootsBody {
  ActiveRootID: string;
  TrustDomain: string;
  Roots: { ID: string; RootCert: string; Active: boolean }[];
}

/** A running etcd with TLS on its client URL, and the certificate files made for it. */
export interface TlsEtcd {
  readonly etcd: EtcdServer;
  readonly files: TlsFileSet;
  /** The CA and the good client certificate as PEM bytes (etcd3 client options). */
  readonly clientTls: EtcdTlsOptions;
}

/**
 * Like {@link etcdForThisFile}, with TLS: certificates made into a temp dir, etcd started with
 * `--client-cert-auth` (clients need a certificate its CA signed) on an https:// client URL. With
 * `rootPassword`, etcd's authentication is enabled too (a `root` user with that password).
 */
export function tlsEtcdForThisFile(opts: { rootPassword?: string } = {}): () => TlsEtcd {
  let dir: string | undefined;
  let running: TlsEtcd | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxds-etcd-tls-'));
    const files = await writeEtcdTlsFiles(dir);
    const etcd = await startEtcd({
      tls: { certFile: files.serverCertFile, keyFile: files.serverKeyFile, trustedCaFile: files.caFile, clientCertAuth: true, clientCertFile: files.clientCertFile, clientKeyFile: files.clientKeyFile },
    });
    const clientTls = { ca: readFileSync(files.caFile), cert: readFileSync(files.clientCertFile), key: readFileSync(files.clientKeyFile) };
    running = { etcd, files, clientTls };
    if (opts.rootPassword !== undefined) await enableEtcdAuth(etcd.endpoint, clientTls, opts.rootPassword);
  });
  after(async () => {
    await running?.etcd.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!running) throw new Error('etcd is not started (use it inside a test)');
    return running;
  };
}

/** Turns on etcd's authentication: a `root` user (role root) with `password`, then `auth enable`. */
export async function enableEtcdAuth(endpoint: string, tls: EtcdTlsOptions | undefined, password: string): Promise<void> {
  const client = createEtcdClient({ endpoints: [endpoint], tls });
  try {
    await client.user('root').create(password);
    await client.user('root').addRole('root');
    await client.auth.authEnable();
  } finally {
    client.close();
  }
}
