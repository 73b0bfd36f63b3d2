// Graceful shutdown of `rxds serve` (SIGTERM) and the gRPC connection age that rebalances xDS streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parseServeOptions } from '../../src/cli/serve-options.js';
import { silentLogger } from '../../src/core/logger.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { startRxds } from '../../src/daemon/start-rxds.js';
import { openSse } from '../sinks/admin/sse-client.js';
import { startRxdsProcess } from '../support/rxds-process.js';
import { withTimeout } from '../support/wait.js';
import { SotwClient } from '../support/xds-client.js';

const CDS = TypeUrl.Cluster;

function grpcPort(addr: string): number {
  return Number(addr.split(':').at(-1));
}

test('SIGTERM with an xDS stream, a blocking query and an SSE watch open: every client sees its stream end (the blocking query answered), exit 0 within 10 s', async (t) => {
  const server = await startRxdsProcess();
  let stopped = false;
  t.after(() => (stopped ? undefined : server.stop('SIGKILL')));
  const reg = await fetch(`${server.httpUrl}/v1/agent/service/register`, {
    method: 'PUT',
    body: JSON.stringify({ Name: 'web', ID: 'web-1', Port: 8080 }),
  });
  assert.equal(reg.status, 200);

  const xds = new SotwClient(grpcPort(server.grpcAddr), { nodeId: 'shutdown-proxy' });
  t.after(() => xds.close());
  xds.subscribe(CDS, []);
  await xds.nextAcked(CDS);

  const first = await fetch(`${server.httpUrl}/v1/catalog/services`);
  const index = first.headers.get('x-consul-index');
  assert.ok(index);
  await first.arrayBuffer();
  // Blocks until the index moves or 60 s pass: only the shutdown can end it within this test.
  const blocking = fetch(`${server.httpUrl}/v1/catalog/services?index=${index}&wait=60s`).then(
    async (res) => `answered ${res.status} index ${res.headers.get('x-consul-index')} ${await res.text()}`,
    (err: Error) => `closed: ${err.message}`,
  );

  const watch = await openSse(`${server.httpUrl}/v1/rxds/proxies/shutdown-proxy/watch`);
  t.after(() => watch.close());
  assert.equal((await watch.nextEvent()).event, 'config');

  const started = Date.now();
  stopped = true;
  const code = await withTimeout(server.stop('SIGTERM'), 10_000, 'rxds to exit after SIGTERM');
  const took = Date.now() - started;
  assert.equal(code, 0, 'exit code after SIGTERM');
  assert.ok(took < 10_000, `exited after ${took} ms`);

  const status = await withTimeout(xds.ended(), 2000, 'the xDS stream to end');
  assert.equal(status.code, grpc.status.OK, `xDS stream ended with ${status.code} ${status.details}`);
  await withTimeout(watch.ended, 2000, 'the SSE watch to end');
  // The parked query gets its current answer (same index) before the HTTP server closes, as Consul's do.
  assert.match(await withTimeout(blocking, 2000, 'the blocking query to end'), new RegExp(`^answered 200 index ${index} `));
  const errors = server.logs.filter((l) => Number(l['level']) >= 50);
  assert.deepEqual(errors, [], 'no error logged while shutting down');
  const msgs = server.logs.map((l) => l['msg']);
  assert.ok(msgs.indexOf('shutting down') >= 0 && msgs.indexOf('stopped') > msgs.indexOf('shutting down'), msgs.join(', '));
});

test('during shutdown /readyz answers 503 before any stream is ended; afterwards nothing listens', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rxds-shutdown-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const seen: Array<{ readyz: number; body: string; xdsEnded: boolean }> = [];
  let xds: SotwClient | undefined;
  const rxds = await startRxds(parseServeOptions({ httpAddr: '127.0.0.1:0', grpcAddr: '127.0.0.1:0', dataDir }), {
    logger: silentLogger,
    async onDraining() {
      const res = await fetch(`http://127.0.0.1:${rxds.http.port}/readyz`);
      seen.push({ readyz: res.status, body: await res.text(), xdsEnded: xds?.endStatus !== undefined });
    },
  });
  t.after(() => rxds.close());
  const base = `http://127.0.0.1:${rxds.http.port}`;
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  xds = new SotwClient(rxds.grpc.port, { nodeId: 'drain-proxy' });
  t.after(() => xds?.close());
  xds.subscribe(CDS, []);
  await xds.nextAcked(CDS);

  await rxds.close();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.readyz, 503);
  assert.match(seen[0]!.body, /shutting down/);
  assert.equal(seen[0]!.xdsEnded, false, 'readiness goes first, streams after');
  assert.equal((await xds.ended()).code, grpc.status.OK);
  await assert.rejects(fetch(`${base}/readyz`), 'the HTTP server is closed');
  await rxds.close(); // idempotent
});

test('--grpc-max-connection-age-ms: the server ends an old connection\'s xDS stream, and the client reconnects and is served', async (t) => {
  const server = await startRxdsProcess(['--grpc-max-connection-age-ms', '400', '--grpc-max-connection-age-grace-ms', '200']);
  t.after(() => server.stop());
  const port = grpcPort(server.grpcAddr);
  const first = new SotwClient(port, { nodeId: 'aging-proxy' });
  t.after(() => first.close());
  first.subscribe(CDS, []);
  await first.nextAcked(CDS);
  // The client does nothing more: only the connection's age can end this stream.
  const status = await withTimeout(first.ended(), 5000, 'the server to end the aged connection');
  assert.notEqual(status.code, grpc.status.OK, 'an aged connection is cut, not a clean stream end');

  const again = new SotwClient(port, { nodeId: 'aging-proxy' });
  t.after(() => again.close());
  again.subscribe(CDS, []);
  const resp = await again.nextAcked(CDS);
  assert.equal(resp.typeUrl, CDS);
  const proxies = (await (await fetch(`${server.httpUrl}/v1/rxds/proxies`)).json()) as Array<{ NodeID: string; Streams: unknown[] }>;
  assert.deepEqual(proxies.map((p) => [p.NodeID, p.Streams.length]), [['aging-proxy', 1]], 'the old stream is gone, the new one served');
});

test('serve options: the connection-age flags are whole milliseconds, 0 = never', () => {
  const o = parseServeOptions({ grpcMaxConnectionAgeMs: '30000', grpcMaxConnectionAgeGraceMs: '5000' });
  assert.equal(o.grpcMaxConnectionAgeMs, 30000);
  assert.equal(o.grpcMaxConnectionAgeGraceMs, 5000);
  assert.equal(parseServeOptions({}).grpcMaxConnectionAgeMs, 0);
  assert.throws(() => parseServeOptions({ grpcMaxConnectionAgeMs: '-1' }), /--grpc-max-connection-age-ms: expected a whole number/);
  assert.throws(() => parseServeOptions({ grpcMaxConnectionAgeGraceMs: 'soon' }), /--grpc-max-connection-age-grace-ms/);
});
