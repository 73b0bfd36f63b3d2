// End to end (issue 5, "Show it with"): two real @grpc/grpc-js-xds peers, an XdsServer for `backend` and a
// client calling xds:///backend as `web`, configured by rxds (proxy pipelines + withProxylessServers over
// the xDS server) and using certificates rxds's CA issued, fetched over its HTTP API and written to files
// for gRPC's file_watcher certificate provider. The RPC runs over mTLS; a deny intention turns it into
// PERMISSION_DENIED within 2 s, allow restores it. Each peer gets its own bootstrap through grpc-js-xds's
// per-channel / per-server bootstrap option, so one process holds both.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { asyncScheduler } from 'rxjs';
import { silentLogger } from '../../src/core/logger.js';
import { ResourceEncoder } from '../../src/core/resource.js';
import { createCatalog } from '../../src/sources/catalog/catalog.js';
import { startConsulApiServer, type ConsulApiServer } from '../../src/sources/consul-api/consul-api-server.js';
import { createMemoryCaPersistence } from '../../src/sources/ca/memory-ca-persistence.js';
import { startCertificateAuthority } from '../../src/sources/ca/start-certificate-authority.js';
import type { CertificateAuthority } from '../../src/sources/ca/certificate-authority.js';
import { createMemoryStore } from '../../src/sources/store/memory-store.js';
import type { StateStore } from '../../src/sources/store/state-store.js';
import { createProxyManager } from '../../src/pipelines/proxy/proxy-manager.js';
import { withProxylessServers } from '../../src/pipelines/proxy/proxyless-servers.js';
import { ResourceGate } from '../../src/pipelines/validate/check-resource.js';
import { createXdsServer, type XdsServer } from '../../src/sinks/xds/xds-server.js';
import { ECHO_SERVICE } from '../support/echo-backend.js';

process.env['GRPC_XDS_EXPERIMENTAL_RBAC'] = 'true'; // read when grpc-js-xds is loaded (imported below)
const xdsLib = await import('@grpc/grpc-js-xds');
xdsLib.register();

const BOOTSTRAP_OPTION = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';
const TRUST_DOMAIN = 'rxds.e2e';

let store: StateStore;
let ca: CertificateAuthority;
let api: ConsulApiServer;
let xds: XdsServer;
let xdsPort: number;
let dir: string;
let server: InstanceType<typeof xdsLib.XdsServer>;
let serverPort: number;
let client: grpc.Client;
const invalid: string[] = [];
const callers: string[] = [];

async function http(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${api.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** The leaf of `service` and the roots, fetched as a workload would, written where file_watcher reads them. */
async function certificateFiles(service: string): Promise<Record<string, string>> {
  const leaf = (await http('GET', `/v1/agent/connect/ca/leaf/${service}`)) as { CertPEM: string; PrivateKeyPEM: string };
  const roots = (await http('GET', '/v1/connect/ca/roots')) as { Roots: { RootCert: string }[] };
  const files = { certificate_file: join(dir, `${service}.crt`), private_key_file: join(dir, `${service}.key`), ca_certificate_file: join(dir, `${service}-roots.pem`) };
  writeFileSync(files.certificate_file, leaf.CertPEM);
  writeFileSync(files.private_key_file, leaf.PrivateKeyPEM, { mode: 0o600 });
  writeFileSync(files.ca_certificate_file, roots.Roots.map((r) => r.RootCert.trim()).join('\n') + '\n');
  return files;
}

function bootstrap(nodeId: string, files: Record<string, string>): string {
  return JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: nodeId, locality: {}, metadata: { RXDS_MTLS: 'true' } },
    certificate_providers: { rxds: { plugin_name: 'file_watcher', config: { ...files, refresh_interval: '1s' } } },
    server_listener_resource_name_template: 'grpc/server?xds.resource.listening_address=%s',
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function call(c: grpc.Client, deadlineMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const fn = (c as unknown as Record<string, Function>)['call']!;
    fn.call(c, Buffer.from('ping'), new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, resp?: Buffer) =>
      err ? reject(err) : resolve(resp!.toString()),
    );
  });
}

/** Calls until one ends with `code` (OK: answers) or `withinMs` passed; returns how long it took. */
async function untilStatus(code: grpc.status, withinMs: number): Promise<number> {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < withinMs) {
    try {
      await call(client, 1000);
      if (code === grpc.status.OK) return Date.now() - start;
      last = 'OK';
    } catch (e) {
      const err = e as grpc.ServiceError;
      if (err.code === code) return Date.now() - start;
      last = `${grpc.status[err.code]}: ${err.details}`;
    }
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`no ${grpc.status[code]} within ${withinMs} ms (last: ${last})`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rxds-proxyless-mtls-'));
  store = createMemoryStore();
  const catalog = createCatalog(store, { keepAliveMs: 100 });
  ca = await startCertificateAuthority({ trustDomain: TRUST_DOMAIN, persistence: createMemoryCaPersistence() });
  api = await startConsulApiServer(store, { catalog, logger: silentLogger, ca });
  const encoder = new ResourceEncoder();
  const gate = new ResourceGate();
  const onInvalidResource = (i: { resource: { name: string } }) => invalid.push(i.resource.name);
  const manager = createProxyManager({
    catalog,
    encoder,
    gate,
    scheduler: asyncScheduler,
    debounceMs: 10,
    debounceMaxMs: 100,
    graceMs: 1000,
    trustDomain: TRUST_DOMAIN,
    logger: silentLogger,
    maxSnapshotsPerSecond: 1000,
    onInvalidResource,
  });
  xds = createXdsServer({ snapshots: withProxylessServers(manager.snapshots, { catalog, encoder, gate, logger: silentLogger, onInvalidResource }), logger: silentLogger });
  xdsPort = await xds.listen('127.0.0.1:0');

  serverPort = await freePort();
  await http('PUT', '/v1/agent/service/register', { Name: 'backend', ID: 'backend-1', Address: '127.0.0.1', Port: serverPort });
  await http('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'backend', Protocol: 'grpc' });

  server = new xdsLib.XdsServer({ [BOOTSTRAP_OPTION]: bootstrap('backend-1', await certificateFiles('backend')), drainGraceTimeMs: 1000 });
  server.addService(ECHO_SERVICE, {
    call: (c: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const auth = c.getAuthContext();
      const san = auth.sslPeerCertificate?.subjectaltname ?? `no client certificate (${auth.transportSecurityType ?? 'insecure'})`;
      callers.push(san);
      callback(null, Buffer.from('backend'));
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${serverPort}`, new xdsLib.XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (err) => (err ? reject(err) : resolve())),
  );
  const Ctor = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'rxds.test.Echo');
  client = new Ctor('xds:///backend', new xdsLib.XdsChannelCredentials(grpc.credentials.createInsecure()), { [BOOTSTRAP_OPTION]: bootstrap('web-1', await certificateFiles('web')) });
});

after(async () => {
  client?.close();
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
  server?.forceShutdown();
  await xds?.close();
  await api?.close();
  await ca?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a grpc-js-xds client calls a grpc-js-xds XdsServer over mTLS with certificates from rxds', async () => {
  assert.equal(await call(client, 10_000), 'backend');
  assert.equal(callers.at(-1), `URI:spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/web`, 'the server saw the client certificate of web');
  // A plaintext client is refused: the server's listener requires TLS.
  const Ctor = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'rxds.test.Echo');
  const plain = new Ctor(`127.0.0.1:${serverPort}`, grpc.credentials.createInsecure());
  try {
    await assert.rejects(call(plain, 2000), (e: grpc.ServiceError) => e.code !== grpc.status.OK);
  } finally {
    plain.close();
  }
  assert.deepEqual(invalid, []);
});

test('an intention deny turns the call into PERMISSION_DENIED within 2 s; allow restores it', async () => {
  assert.equal(await call(client), 'backend');
  await http('PUT', '/v1/config', { Kind: 'service-intentions', Name: 'backend', Sources: [{ Name: 'web', Action: 'deny' }] });
  await untilStatus(grpc.status.PERMISSION_DENIED, 2000);
  await assert.rejects(call(client), (e: grpc.ServiceError) => e.code === grpc.status.PERMISSION_DENIED, 'stays denied');

  await http('PUT', '/v1/config', { Kind: 'service-intentions', Name: 'backend', Sources: [{ Name: 'web', Action: 'allow' }, { Name: '*', Action: 'deny' }] });
  await untilStatus(grpc.status.OK, 2000);
  assert.equal(await call(client), 'backend');
  assert.deepEqual(invalid, []);
});

test('L7 intention permissions: a path prefix allowed answers, the same path denied gives PERMISSION_DENIED within 2 s', async () => {
  // Default allow with `*` denied: only web's permission lets the call through.
  await http('PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'backend',
    Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/rxds.test.Echo/' } }, { Action: 'deny', HTTP: { PathPrefix: '/' } }] }, { Name: '*', Action: 'deny' }],
  });
  await untilStatus(grpc.status.OK, 2000);
  assert.equal(await call(client), 'backend');

  await http('PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'backend',
    Sources: [{ Name: 'web', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/rxds.test.Echo/' } }, { Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
  });
  await untilStatus(grpc.status.PERMISSION_DENIED, 2000);
  await assert.rejects(call(client), (e: grpc.ServiceError) => e.code === grpc.status.PERMISSION_DENIED, 'stays denied');

  // Another method path is not matched by the deny: the allow permission after it decides.
  await http('PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'backend',
    Sources: [{ Name: 'web', Permissions: [{ Action: 'deny', HTTP: { PathExact: '/rxds.test.Echo/Other' } }, { Action: 'allow', HTTP: { PathPrefix: '/rxds.test.Echo/' } }] }, { Name: '*', Action: 'deny' }],
  });
  await untilStatus(grpc.status.OK, 2000);
  assert.deepEqual(invalid, []);
});
