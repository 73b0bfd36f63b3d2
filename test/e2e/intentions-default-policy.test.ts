// The ACL's default_policy is intentions' default, followed at runtime (issue 5): rxds serve (in-process) with a
// --config file declaring `acl: default_policy: allow` and no intentions gives a sidecar an inbound listener
// without RBAC (everyone allowed); rewriting the file to `default_policy: deny` sends the connected sidecar a
// public listener whose RBAC allows nobody, without a restart, while the HTTP API starts asking for a token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { parseServeOptions } from '../../src/cli/serve-options.js';
import { silentLogger } from '../../src/core/logger.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { startRxds } from '../../src/daemon/start-rxds.js';
import { ListenerSchema, type Listener } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RBAC_Action } from '../../src/gen/envoy/config/rbac/v3/rbac_pb.js';
import { RBACSchema as NetworkRbacSchema } from '../../src/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import type { DiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { SotwClient } from '../support/xds-client.js';

const SIDECAR = 'web-1-sidecar-proxy';
const meshWith = (policy: 'allow' | 'deny') => `
services:
  - { name: web, id: web-1, address: 127.0.0.1, port: 8080, connect: { sidecar_service: { port: 21000 } } }
acl:
  default_policy: ${policy}
  tokens:
    - { SecretID: web-secret, Description: web, Policies: [{ Service: web, Access: write }] }
    - { SecretID: ops-secret, Description: management, Policies: [{ Operator: write }] }
`;

/** The public listener's network RBAC: `none`, or its action and policy names. */
function publicRbac(resp: DiscoveryResponse): string {
  const listeners = resp.resources.map((r) => anyUnpack(r, ListenerSchema) as Listener);
  const pub = listeners.find((l) => l.name.startsWith('public_listener'));
  assert.ok(pub, `a public listener in ${listeners.map((l) => l.name).join(', ')}`);
  const filters = pub.filterChains.flatMap((c) => c.filters);
  const rbac = filters.find((f) => f.name === 'envoy.filters.network.rbac');
  if (!rbac) return 'none';
  assert.equal(filters.indexOf(rbac), 0, 'the RBAC filter comes first');
  assert.equal(rbac.configType.case, 'typedConfig');
  const rules = anyUnpack(rbac.configType.value as never, NetworkRbacSchema)!.rules;
  return `${rules ? RBAC_Action[rules.action] : 'no rules'} [${Object.keys(rules?.policies ?? {}).join(',')}]`;
}

/** The network filters of the public listener in GET /v1/rxds/proxies/:id/config (protobuf JSON). */
async function configFilters(httpBase: string, token?: string): Promise<{ status: number; filters: string[] }> {
  const res = await fetch(`${httpBase}/v1/rxds/proxies/${SIDECAR}/config`, token ? { headers: { 'X-Consul-Token': token } } : {});
  if (res.status !== 200) return { status: res.status, filters: (await res.text(), []) };
  const body = (await res.json()) as { Resources: Record<string, Record<string, { filter_chains?: { filters?: { name: string }[] }[] }>> };
  const listeners = body.Resources[TypeUrl.Listener] ?? {};
  const name = Object.keys(listeners).find((n) => n.startsWith('public_listener'));
  assert.ok(name, `a public listener in ${Object.keys(listeners).join(', ')}`);
  return { status: 200, filters: (listeners[name]!.filter_chains ?? []).flatMap((c) => (c.filters ?? []).map((f) => f.name)) };
}

test('editing default_policy from allow to deny flips the RBAC default of a connected sidecar, without a restart', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-default-policy-'));
  const cleanup: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  t.after(async () => {
    for (const c of cleanup.reverse()) await c(); // stream, then rxds, then its files
  });
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, meshWith('allow'));
  const rxds = await startRxds(
    parseServeOptions({ config: [file], httpAddr: '127.0.0.1:0', grpcAddr: '127.0.0.1:0', dataDir: join(dir, 'data'), debounceMs: '10', debounceMaxMs: '100' }),
    { logger: silentLogger },
  );
  cleanup.push(() => rxds.close());
  const http = `http://127.0.0.1:${rxds.http.port}`;

  // The sidecar streams with web's token (valid under both policies, so the stream outlives the edit).
  const xds = new SotwClient(rxds.grpc.port, { nodeId: SIDECAR, metadata: { 'x-consul-token': 'web-secret' } });
  cleanup.push(() => xds.close());
  xds.subscribe(TypeUrl.Listener, []);
  const first = await xds.nextAcked(TypeUrl.Listener, 10_000);
  assert.equal(publicRbac(first), 'none', 'default allow and no intentions: no RBAC, every caller is allowed');
  const before = await configFilters(http);
  assert.equal(before.status, 200, 'anonymous reads are allowed under default_policy allow');
  assert.deepEqual(before.filters, ['envoy.filters.network.tcp_proxy']);

  // An atomic rewrite (as editors and ConfigMaps do): default_policy deny, same tokens.
  writeFileSync(`${file}.tmp`, meshWith('deny'));
  renameSync(`${file}.tmp`, file);

  const next = await xds.nextAcked(TypeUrl.Listener, 10_000);
  assert.equal(publicRbac(next), 'ALLOW []', 'default deny and no intentions: an ALLOW RBAC no caller matches');
  assert.equal((await configFilters(http)).status, 403, 'the ACL denies anonymous reads now too');
  const after = await configFilters(http, 'ops-secret');
  assert.equal(after.status, 200);
  assert.deepEqual(after.filters, ['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy'], 'what the proxy was last sent has the RBAC');
  assert.equal(xds.endStatus, undefined, 'the stream stayed open: no restart, no reconnect');
});
