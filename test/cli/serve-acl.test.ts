import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { SotwClient } from '../support/xds-client.js';
import { startRxdsProcess } from '../support/rxds-process.js';

const MESH_WITH_DENY = `
services:
  - { name: web, id: web-1, address: 127.0.0.1, port: 8080, connect: { sidecar_service: { port: 21000 } } }
  - { name: api, id: api-1, address: 127.0.0.1, port: 9090, connect: { sidecar_service: { port: 21001 } } }
acl:
  default_policy: deny
  tokens:
    - { SecretID: web-secret, Description: web, Policies: [{ Service: web, Access: write }] }
    - { SecretID: ops-secret, Description: operator, Policies: [{ Operator: write }] }
`;

test('rxds serve enforces the ACL of its --config file on the HTTP API and on xDS streams', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-acl-'));
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, MESH_WITH_DENY);
  const rxds = await startRxdsProcess(['--config', file]);
  const port = Number(rxds.grpcAddr.split(':').pop());
  const clients: SotwClient[] = [];
  try {
    const anonymous = await fetch(`${rxds.httpUrl}/v1/agent/services`);
    assert.equal(anonymous.status, 403);
    const asOps = await fetch(`${rxds.httpUrl}/v1/agent/services`, { headers: { 'X-Consul-Token': 'ops-secret' } });
    assert.equal(asOps.status, 200);
    assert.deepEqual(Object.keys((await asOps.json()) as object).sort(), ['api-1', 'api-1-sidecar-proxy', 'web-1', 'web-1-sidecar-proxy']);
    const webRegistersApi = await fetch(`${rxds.httpUrl}/v1/agent/service/register`, {
      method: 'PUT',
      headers: { 'X-Consul-Token': 'web-secret' },
      body: JSON.stringify({ Name: 'api', ID: 'api-2', Port: 9091 }),
    });
    assert.equal(webRegistersApi.status, 403);
    assert.equal((await fetch(`${rxds.httpUrl}/healthz`)).status, 200, 'probes stay open');

    // The web token streams its own sidecar's config...
    const own = new SotwClient(port, { nodeId: 'web-1-sidecar-proxy', metadata: { 'x-consul-token': 'web-secret' } });
    clients.push(own);
    own.subscribe(TypeUrl.Cluster, []);
    const cds = await own.nextAcked(TypeUrl.Cluster, 10_000);
    assert.ok(cds.resources.length > 0);
    // ...but not api's: the stream is refused.
    const spoof = new SotwClient(port, { nodeId: 'api-1-sidecar-proxy', metadata: { 'x-consul-token': 'web-secret' } });
    clients.push(spoof);
    spoof.subscribe(TypeUrl.Cluster, []);
    const err = await spoof.ended();
    assert.equal(err?.code, grpc.status.PERMISSION_DENIED, String(err));
  } finally {
    for (const c of clients) c.close();
    assert.equal(await rxds.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
