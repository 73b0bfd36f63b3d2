// rxds proxy-status / config-dump run as a user would: against `rxds serve` with a real xDS client, and
// against an embedded xDS server with content (a NACK, clusters, endpoints) behind the same admin API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BehaviorSubject } from 'rxjs';
import { createHttpServer } from '../../src/core/http/http-server.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { createAdminApi } from '../../src/sinks/admin/admin-api.js';
import type { Readiness } from '../../src/sinks/admin/admin-deps.js';
import { cluster, endpoints } from '../support/fixtures.js';
import { startRxdsProcess } from '../support/rxds-process.js';
import { waitFor } from '../support/wait.js';
import { SotwClient } from '../support/xds-client.js';
import { XdsHarness } from '../support/xds-harness.js';
import { openSse } from '../sinks/admin/sse-client.js';
import { addrOf, rxds, tableRows } from './commands-support.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

/** Polls a condition on the server with a short pause between tries (the server is another process). */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('against rxds serve: a connected sidecar shows in proxy-status, config-dump, /metrics; stream logs carry node and stream ids', async (t) => {
  const server = await startRxdsProcess(['--log-level', 'debug']);
  let stopped = false;
  t.after(() => (stopped ? undefined : server.stop()));
  const addr = addrOf(server.httpUrl);
  const reg = await fetch(`${server.httpUrl}/v1/agent/service/register`, {
    method: 'PUT',
    body: JSON.stringify({ Name: 'web', ID: 'web-1', Port: 8080, Connect: { SidecarService: {} } }),
  });
  assert.equal(reg.status, 200);

  const port = Number(server.grpcAddr.split(':').at(-1));
  const sidecar = new SotwClient(port, { nodeId: 'web-1-sidecar-proxy' });
  t.after(() => sidecar.close());
  sidecar.subscribe(CDS, []);
  sidecar.ack(await sidecar.nextOf(CDS));
  sidecar.subscribe(EDS, ['web.default.dc1']);

  const json = await eventually('CDS SYNCED and EDS subscribed in proxy-status', async () => {
    const r = await rxds(['proxy-status', '--http-addr', addr, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as Array<{ NodeID: string; Service: string; Types: Array<{ Type: string; Status: string }> }>;
    const types = list[0]?.Types.map((x) => `${x.Type}:${x.Status}`).join(' ');
    return types === 'CDS:SYNCED EDS:NOT SENT' ? list : undefined;
  });
  assert.equal(json.length, 1);
  assert.equal(json[0]!.NodeID, 'web-1-sidecar-proxy');
  assert.equal(json[0]!.Service, 'web', 'the sidecar belongs to its destination service');

  const table = await rxds(['proxy-status', '--http-addr', addr]);
  assert.equal(table.code, 0, table.stderr);
  const rows = tableRows(table.stdout);
  assert.deepEqual(rows[0], ['PROXY', 'SERVICE', 'KIND', 'TYPE', 'STATUS', 'SENT', 'ACKED', 'NONCE', 'SENT AGO', 'NACK ERROR']);
  assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[2], r[3], r[4]]), [
    ['web-1-sidecar-proxy', 'web', 'sotw', 'CDS', 'SYNCED'],
    ['web-1-sidecar-proxy', 'web', 'sotw', 'EDS', 'NOT SENT'],
  ]);

  const dump = await rxds(['config-dump', 'web-1-sidecar-proxy', '--http-addr', addr]);
  assert.equal(dump.code, 0, dump.stderr);
  const viaApi = await (await fetch(`${server.httpUrl}/v1/rxds/proxies/web-1-sidecar-proxy/config`)).json();
  assert.deepEqual(JSON.parse(dump.stdout), viaApi);
  assert.equal((viaApi as { NodeID: string }).NodeID, 'web-1-sidecar-proxy');

  const unknown = await rxds(['config-dump', 'nobody', '--http-addr', addr]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no proxy with node id "nobody" is connected .*\(HTTP 404\)/);
  const unknownStatus = await rxds(['proxy-status', 'nobody', '--http-addr', addr]);
  assert.equal(unknownStatus.code, 1);

  assert.equal((await fetch(`${server.httpUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${server.httpUrl}/readyz`)).status, 200);
  const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
  assert.match(metrics, /^rxds_xds_streams\{kind="sotw"\} 1$/m);
  assert.match(metrics, new RegExp(`^rxds_xds_acks_total\\{type_url="${CDS.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
  assert.match(metrics, /^rxds_process_cpu_seconds_total /m);

  const opened = server.logs.find((l) => l['msg'] === 'xDS stream opened');
  assert.ok(opened, 'a debug line per stream opened');
  assert.equal(opened['nodeId'], 'web-1-sidecar-proxy');
  assert.equal(opened['component'], 'xds');
  assert.equal(typeof opened['streamId'], 'string');
  const push = server.logs.find((l) => l['msg'] === 'xDS push');
  assert.equal(push?.['nodeId'], 'web-1-sidecar-proxy');
  assert.equal(push?.['streamId'], opened['streamId']);

  // A watch stream open at shutdown ends cleanly and does not keep the server from exiting 0.
  const watch = await openSse(`${server.httpUrl}/v1/rxds/proxies/web-1-sidecar-proxy/watch`);
  assert.equal((await watch.nextEvent()).event, 'config');
  stopped = true;
  assert.equal(await server.stop('SIGTERM'), 0);
  await watch.ended;
});

test('against an embedded xDS server: proxy-status shows the NACK message; config-dump prints the protobuf JSON', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const http = createHttpServer([createAdminApi({ xds: h.xds, ready$: new BehaviorSubject<Readiness>(true) })]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());
  const addr = addrOf(url);

  h.publish('frontend', [cluster('backend'), endpoints('backend', [5001])]);
  const c = h.sotw('frontend');
  c.subscribe(CDS, ['backend']);
  await c.nextAcked(CDS);
  c.subscribe(EDS, ['backend']);
  c.nack(await c.nextOf(EDS), 'endpoint 127.0.0.1:5001:\n  port not allowed');
  await waitFor(h.streams$, (all) => all.some((s) => s.types.get(EDS)?.status === 'NACKED'), 'EDS NACKED');

  const table = await rxds(['proxy-status', 'frontend', '--http-addr', addr]);
  assert.equal(table.code, 0, table.stderr);
  const rows = tableRows(table.stdout);
  assert.deepEqual(rows.slice(1).map((r) => [r[0], r[3], r[4], r[9]]), [
    ['frontend', 'CDS', 'SYNCED', undefined],
    ['frontend', 'EDS', 'NACKED', 'endpoint 127.0.0.1:5001: port not allowed'],
  ]);
  const cds = rows[1]!;
  assert.equal(cds[5], cds[6], 'sent and ACKed versions are the same on a synced type');
  assert.match(cds[5]!, /^[\w-]{8}$/, 'versions are shortened in the table');

  const dump = await rxds(['config-dump', 'frontend', '--http-addr', addr]);
  assert.equal(dump.code, 0, dump.stderr);
  const config = JSON.parse(dump.stdout) as { Resources: Record<string, Record<string, Record<string, unknown>>> };
  assert.equal(config.Resources[CDS]!['backend']!['name'], 'backend');
  assert.equal(config.Resources[CDS]!['backend']!['type'], 'EDS');
  assert.deepEqual(Object.keys(config.Resources[EDS]!), ['backend']);

  const list = await rxds(['config-dump', 'frontend', '--http-addr', addr, '--format', 'table']);
  assert.equal(list.code, 0);
  assert.deepEqual(tableRows(list.stdout), [
    ['TYPE', 'NAME'],
    ['envoy.config.cluster.v3.Cluster', 'backend'],
    ['envoy.config.endpoint.v3.ClusterLoadAssignment', 'backend'],
  ]);

  c.close();
  await h.streamCount('frontend', 0);
  const none = await rxds(['proxy-status', '--http-addr', addr]);
  assert.equal(none.code, 0);
  assert.equal(none.stdout, 'No proxies are connected.\n');
});
