// CONTRACT section 5: a token with `Service: web, Access: write` may fetch the xDS config of web's proxies
// only. Over HTTP that is the admin API's per-proxy endpoints (`/v1/rxds/proxies/:id`, `/config`, `/watch`,
// what `rxds proxy-status` and `rxds config-dump` read): web's token reads web's sidecar there, not api's,
// and not the list of every proxy (operator read); operator read reads everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServeOptions } from '../../src/cli/serve-options.js';
import { silentLogger } from '../../src/core/logger.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { startRxds } from '../../src/daemon/start-rxds.js';
import { SotwClient } from '../support/xds-client.js';

const MESH = `
services:
  - { name: web, id: web-1, address: 127.0.0.1, port: 8080, connect: { sidecar_service: { port: 21000 } } }
  - { name: api, id: api-1, address: 127.0.0.1, port: 9090, connect: { sidecar_service: { port: 21001 } } }
acl:
  default_policy: deny
  tokens:
    - { SecretID: web-secret, Description: web, Policies: [{ Service: web, Access: write }] }
    - { SecretID: api-secret, Description: api, Policies: [{ Service: api, Access: write }] }
    - { SecretID: web-reader, Description: web reader, Policies: [{ Service: web, Access: read }] }
    - { SecretID: op-read, Description: operator, Policies: [{ Operator: read }] }
`;

test("a service's write token reads its own proxies' status and config over HTTP, and no one else's", { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-proxy-access-'));
  const cleanup: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  t.after(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, MESH);
  const rxds = await startRxds(
    parseServeOptions({ config: [file], httpAddr: '127.0.0.1:0', grpcAddr: '127.0.0.1:0', dataDir: join(dir, 'data'), debounceMs: '10', debounceMaxMs: '100' }),
    { logger: silentLogger },
  );
  cleanup.push(() => rxds.close());
  for (const [node, token] of [['web-1-sidecar-proxy', 'web-secret'], ['api-1-sidecar-proxy', 'api-secret']] as const) {
    const xds = new SotwClient(rxds.grpc.port, { nodeId: node, metadata: { 'x-consul-token': token } });
    cleanup.push(() => xds.close());
    xds.subscribe(TypeUrl.Listener, []);
    await xds.nextAcked(TypeUrl.Listener, 10_000);
  }
  const status = async (path: string, token?: string) => {
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${rxds.http.port}${path}`, { headers: token ? { 'X-Consul-Token': token } : {}, signal: ac.signal });
    ac.abort(); // ends a watch stream; the status is what counts
    return res.status;
  };
  const web = '/v1/rxds/proxies/web-1-sidecar-proxy';
  const api = '/v1/rxds/proxies/api-1-sidecar-proxy';
  for (const suffix of ['', '/config', '/watch']) {
    assert.equal(await status(web + suffix, 'web-secret'), 200, `web's token on web's proxy${suffix}`);
    assert.equal(await status(api + suffix, 'web-secret'), 403, `web's token on api's proxy${suffix}`);
    assert.equal(await status(web + suffix, 'web-reader'), 403, `service read is not enough${suffix}`);
    assert.equal(await status(web + suffix), 403, `anonymous${suffix}`);
    assert.equal(await status(api + suffix, 'op-read'), 200, `operator read${suffix}`);
  }
  assert.equal(await status('/v1/rxds/proxies', 'web-secret'), 403, 'the list of every proxy needs operator read');
  assert.equal(await status('/v1/rxds/proxies', 'op-read'), 200);
  assert.equal(await status('/v1/rxds/proxies/nobody', 'web-secret'), 403, 'an unknown node is not a proxy of web');
  assert.equal(await status('/v1/rxds/proxies/nobody', 'op-read'), 404);
});
