// ACL on xDS streams over real gRPC: the daemon's authorize hook and snapshot guard (src/daemon/xds-authorize.ts)
// around an embedded xDS server, the catalog in a memory store, the ACL from an Observable of acl configs.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { BehaviorSubject, concat, NEVER, of } from 'rxjs';
import { ResourceEncoder } from '../../src/core/resource.js';
import { encodeSnapshot } from '../../src/core/snapshot.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { createXdsServer, type XdsServer } from '../../src/sinks/xds/xds-server.js';
import { createAclSource } from '../../src/sources/acl/acl-source.js';
import { parseAclConfig, type AclConfig } from '../../src/sources/file/acl-config.js';
import { createMemoryStore } from '../../src/sources/store/memory-store.js';
import type { StateStore } from '../../src/sources/store/state-store.js';
import { createXdsAccess } from '../../src/daemon/xds-authorize.js';
import { cluster } from '../support/fixtures.js';
import { serviceInput } from '../sources/support/fixtures.js';
import { DeltaClient, SotwClient } from '../support/xds-client.js';

function config(raw: unknown): AclConfig {
  const r = parseAclConfig(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
const TOKENS = [
  { SecretID: 'web-secret', Description: 'web', Policies: [{ Service: 'web', Access: 'write' }] },
  { SecretID: 'op-read', Policies: [{ Operator: 'read' }] },
];
const DENY = config({ default_policy: 'deny', tokens: TOKENS });

let store: StateStore;
let xds: XdsServer;
let port: number;
const acl$ = new BehaviorSubject<AclConfig | undefined>(DENY);
const clients: { close(): void }[] = [];

const proxy = (id: string, dest: string) =>
  serviceInput(id, { Service: `${dest}-sidecar-proxy`, Kind: 'connect-proxy', Port: 21000, Proxy: { DestinationServiceName: dest, DestinationServiceID: `${dest}-1`, LocalServiceAddress: '127.0.0.1', LocalServicePort: 8080, Upstreams: [] } });

before(async () => {
  store = createMemoryStore();
  await store.write([
    { type: 'service-put', service: proxy('web-sidecar-1', 'web') },
    { type: 'service-put', service: proxy('api-sidecar-1', 'api') },
  ]);
  const acl = createAclSource(acl$);
  const access = createXdsAccess({ acl, store });
  const snapshot = encodeSnapshot(new ResourceEncoder(), [cluster('c1')]);
  xds = createXdsServer({ authorize: access.authorize, snapshots: access.guard(() => concat(of(snapshot), NEVER)) });
  port = await xds.listen('127.0.0.1:0');
});
after(async () => {
  for (const c of clients) c.close();
  await xds.close();
  await store.close();
});

function sotw(nodeId: string, metadata: Record<string, string> = {}): SotwClient {
  const c = new SotwClient(port, { nodeId, metadata });
  clients.push(c);
  return c;
}

test("a token for web streams web's sidecar config, and is refused api's sidecar (node id spoofing)", { timeout: 8000 }, async () => {
  const web = sotw('web-sidecar-1', { 'x-consul-token': 'web-secret' });
  web.subscribe(TypeUrl.Cluster);
  assert.equal((await web.nextOf(TypeUrl.Cluster)).resources.length, 1);

  const spoof = sotw('api-sidecar-1', { 'x-consul-token': 'web-secret' });
  spoof.subscribe(TypeUrl.Cluster);
  const end = await spoof.ended();
  assert.equal(end.code, grpc.status.PERMISSION_DENIED);
  assert.match(end.details, /Permission denied: token "web" may not receive the configuration of "api-sidecar-1"/);
  assert.equal(spoof.received.length, 0, 'nothing was sent');

  const bearer = sotw('web-sidecar-1', { authorization: 'Bearer web-secret' });
  bearer.subscribe(TypeUrl.Cluster);
  await bearer.nextOf(TypeUrl.Cluster);
});

test('deny: anonymous and unknown tokens are refused, on SotW and Delta', { timeout: 8000 }, async () => {
  for (const md of [{}, { 'x-consul-token': 'nope' }] as Record<string, string>[]) {
    const s = sotw('web-sidecar-1', md);
    s.subscribe(TypeUrl.Cluster);
    assert.equal((await s.ended()).code, grpc.status.PERMISSION_DENIED);
    const d = new DeltaClient(port, { nodeId: 'web-sidecar-1', metadata: md });
    clients.push(d);
    d.send({ typeUrl: TypeUrl.Cluster });
    assert.equal((await d.ended()).code, grpc.status.PERMISSION_DENIED);
  }
});

test('operator read may not stream a sidecar (its private key comes over SDS)', { timeout: 8000 }, async () => {
  const s = sotw('api-sidecar-1', { 'x-consul-token': 'op-read' });
  s.subscribe(TypeUrl.Cluster);
  assert.equal((await s.ended()).code, grpc.status.PERMISSION_DENIED);
});

test("a proxyless client may name web, and is closed when it names api", { timeout: 8000 }, async () => {
  const c = sotw('proxyless-1', { 'x-consul-token': 'web-secret' });
  c.subscribe(TypeUrl.Listener, ['web:50051']);
  await c.nextOf(TypeUrl.Listener);
  c.subscribe(TypeUrl.Listener, ['web:50051', 'api']);
  const end = await c.ended();
  assert.equal(end.code, grpc.status.PERMISSION_DENIED);
  assert.match(end.details, /may not read service "api"/);
});

test('a revoked token closes its open streams with PERMISSION_DENIED; a proxy re-registered for api too', { timeout: 8000 }, async () => {
  const s = sotw('web-sidecar-1', { 'x-consul-token': 'web-secret' });
  s.subscribe(TypeUrl.Cluster);
  await s.nextOf(TypeUrl.Cluster);
  const d = new DeltaClient(port, { nodeId: 'web-sidecar-1', metadata: { 'x-consul-token': 'web-secret' } });
  clients.push(d);
  d.send({ typeUrl: TypeUrl.Cluster });
  await d.next();
  const other = sotw('api-sidecar-1', { 'x-consul-token': 'op-write-later' });
  other.subscribe(TypeUrl.Cluster);
  assert.equal((await other.ended()).code, grpc.status.PERMISSION_DENIED);

  acl$.next(config({ default_policy: 'deny', tokens: TOKENS.filter((t) => t.SecretID !== 'web-secret') }));
  for (const c of [s, d]) {
    const end = await c.ended();
    assert.equal(end.code, grpc.status.PERMISSION_DENIED);
    assert.match(end.details, /ACL not found/);
  }

  acl$.next(DENY);
  const again = sotw('web-sidecar-1', { 'x-consul-token': 'web-secret' });
  again.subscribe(TypeUrl.Cluster);
  await again.nextOf(TypeUrl.Cluster);
  await store.write([{ type: 'service-put', service: proxy('web-sidecar-1', 'api') }]);
  assert.equal((await again.ended()).code, grpc.status.PERMISSION_DENIED);
  await store.write([{ type: 'service-put', service: proxy('web-sidecar-1', 'web') }]);
});
