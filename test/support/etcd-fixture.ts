// One real etcd for a whole test file: started before its tests, destroyed after them.
import { after, before } from 'node:test';
import { startEtcd, type EtcdServer } from './etcd-server.js';

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
