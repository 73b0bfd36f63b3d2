// Metrics after a scripted scenario over real gRPC: streams, pushes, ACKs, a NACK, convergence times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import { createHttpServer } from '../../../src/core/http/http-server.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { createMetrics, type SourceStatusLike } from '../../../src/sinks/metrics/create-metrics.js';
import { createMetricsRoute } from '../../../src/sinks/metrics/metrics-route.js';
import { cluster, endpoints } from '../../support/fixtures.js';
import { XdsHarness } from '../../support/xds-harness.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

/** The value of one series (`metricName` as exposed, e.g. `x_bucket`), matching every given label. */
async function series(registry: Registry, metricName: string, labels: Record<string, string | number> = {}): Promise<number | undefined> {
  for (const m of await registry.getMetricsAsJSON()) {
    for (const v of m.values as Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>) {
      const name = v.metricName ?? m.name;
      if (name === metricName && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === String(want))) return v.value;
    }
  }
  return undefined;
}

test('after streams, pushes, ACKs and a NACK the counters and histograms have the expected counts', async (t) => {
  let clock = 10_000;
  const now = () => clock;
  const h = await XdsHarness.start({ now });
  t.after(() => h.close());
  const registry = new Registry();
  const metrics = createMetrics({ registry, xds: h.xds });
  t.after(() => metrics.close());
  const v = (name: string, labels?: Record<string, string | number>) => series(registry, name, labels);

  // A SotW stream: CDS sent at 10.000 s, ACKed at 10.040 s (a push caused by the request: no convergence sample).
  h.publish('sidecar', [cluster('a'), endpoints('a', [1])]);
  const sotw = h.sotw('sidecar');
  sotw.subscribe(CDS, []);
  const first = await sotw.nextOf(CDS);
  clock += 40;
  sotw.ack(first);
  await h.typeStatus('sidecar', CDS, (s) => s.status === 'SYNCED', 'CDS SYNCED');

  // A change reaches the stream at 20.000 s and is ACKed at 20.250 s: convergence 0.25 s.
  clock = 20_000;
  h.publish('sidecar', [cluster('a', { connectTimeoutSeconds: 9 }), endpoints('a', [1])]);
  const update = await sotw.nextOf(CDS);
  clock += 250;
  sotw.ack(update);
  await h.typeStatus('sidecar', CDS, (s) => s.status === 'SYNCED' && s.lastAckedVersion === update.versionInfo, 'update ACKed');

  // EDS is NACKed after 5 ms: counted, no convergence sample.
  sotw.subscribe(EDS, ['a']);
  const eds = await sotw.nextOf(EDS);
  clock += 5;
  sotw.nack(eds, 'bad endpoints');
  await h.typeStatus('sidecar', EDS, (s) => s.status === 'NACKED', 'EDS NACKED');

  // A Delta stream, open while we look, then cancelled.
  h.publish('proxyless', [cluster('b')]);
  const delta = h.delta('proxyless');
  delta.subscribe(CDS, ['b']);
  const bResp = await delta.nextOf(CDS);
  assert.equal(await v('rxds_xds_streams', { kind: 'sotw' }), 1);
  assert.equal(await v('rxds_xds_streams', { kind: 'delta' }), 1);

  delta.close();
  await h.streamCount('proxyless', 0);
  assert.equal(await v('rxds_xds_streams', { kind: 'delta' }), 0);
  assert.equal(await v('rxds_xds_streams_closed_total', { kind: 'delta', code: 'CANCELLED' }), 1);

  assert.equal(await v('rxds_xds_pushes_total', { type_url: CDS }), 3);
  assert.equal(await v('rxds_xds_pushes_total', { type_url: EDS }), 1);
  assert.equal(await v('rxds_xds_acks_total', { type_url: CDS }), 2);
  assert.equal(await v('rxds_xds_nacks_total', { type_url: EDS }), 1);
  assert.equal(await v('rxds_xds_nacks_total', { type_url: CDS }), undefined);

  // Push to answer: CDS 0.04 s and 0.25 s, EDS 0.005 s.
  assert.equal(await v('rxds_xds_push_duration_seconds_count', { type_url: CDS }), 2);
  assert.equal(await v('rxds_xds_push_duration_seconds_sum', { type_url: CDS }), 0.29);
  assert.equal(await v('rxds_xds_push_duration_seconds_bucket', { type_url: CDS, le: 0.05 }), 1);
  assert.equal(await v('rxds_xds_push_duration_seconds_bucket', { type_url: CDS, le: 0.25 }), 2);
  assert.equal(await v('rxds_xds_push_duration_seconds_count', { type_url: EDS }), 1);

  // Convergence: one sample, the change ACKed 0.25 s after it reached the stream.
  assert.equal(await v('rxds_xds_convergence_seconds_count', { type_url: CDS }), 1);
  assert.equal(await v('rxds_xds_convergence_seconds_sum', { type_url: CDS }), 0.25);
  assert.equal(await v('rxds_xds_convergence_seconds_count', { type_url: EDS }), undefined);

  // Response sizes: one observation per push, summing the encoded resources.
  const bytes = (r: { resources: Array<{ value: Uint8Array }> }) => r.resources.reduce((n, a) => n + a.value.length, 0);
  assert.equal(await v('rxds_xds_response_bytes_count', { type_url: CDS }), 3);
  assert.equal(await v('rxds_xds_response_bytes_sum', { type_url: CDS }), bytes(first) + bytes(update) + (bResp.resources[0]?.resource?.value.length ?? 0));
  assert.equal(await v('rxds_xds_response_bytes_sum', { type_url: EDS }), bytes(eds));
});

test('a change superseded before its ACK converges at the ACK of the response that carried it', async (t) => {
  let clock = 0;
  const h = await XdsHarness.start({ now: () => clock });
  t.after(() => h.close());
  const registry = new Registry();
  const metrics = createMetrics({ registry, xds: h.xds });
  t.after(() => metrics.close());
  h.publish('n', [cluster('a')]);
  const c = h.sotw('n');
  c.subscribe(CDS, []);
  await c.nextAcked(CDS);
  await h.typeStatus('n', CDS, (s) => s.status === 'SYNCED', 'SYNCED');

  clock = 1000;
  h.publish('n', [cluster('a', { connectTimeoutSeconds: 1 })]);
  await c.nextOf(CDS); // not ACKed: superseded
  clock = 1100;
  h.publish('n', [cluster('a', { connectTimeoutSeconds: 2 })]);
  const latest = await c.nextOf(CDS);
  clock = 1500;
  c.ack(latest);
  await h.typeStatus('n', CDS, (s) => s.status === 'SYNCED' && s.lastAckedVersion === latest.versionInfo, 'latest ACKed');
  assert.equal(await series(registry, 'rxds_xds_convergence_seconds_count', { type_url: CDS }), 1);
  assert.equal(await series(registry, 'rxds_xds_convergence_seconds_sum', { type_url: CDS }), 0.5, 'measured from the first change');
});

test('hooks and source statuses; GET /metrics serves the Prometheus text format from the injected registry', async (t) => {
  const registry = new Registry();
  const sources = new Subject<readonly SourceStatusLike[]>();
  const metrics = createMetrics({ registry, sources: { statuses$: sources } });
  t.after(() => metrics.close());
  metrics.snapshotBuilt('connect-proxy');
  metrics.snapshotBuilt('connect-proxy');
  metrics.snapshotBuilt('proxyless');
  metrics.debounced(50);
  metrics.invalidResource(CDS);
  metrics.onWaitingChange(3);
  metrics.onWaitingChange(2);
  const file = (State: string, LastError: string) => [{ Name: 'file:mesh.yaml', State, LastError }];
  sources.next(file('ok', ''));
  sources.next(file('degraded', 'line 3: bad indent'));
  sources.next(file('degraded', 'line 3: bad indent')); // the same error again: not a new one
  sources.next(file('ok', 'line 3: bad indent'));
  sources.next(file('degraded', 'line 3: bad indent')); // failed again
  sources.next(file('degraded', 'line 9: unknown kind'));
  metrics.sourceError('store');

  const http = createHttpServer([createMetricsRoute(registry)]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const line = (s: string) => assert.ok(text.split('\n').includes(s), `missing line ${s}\n${text}`);
  line('rxds_snapshot_builds_total{kind="connect-proxy"} 2');
  line('rxds_snapshot_builds_total{kind="proxyless"} 1');
  line('rxds_debounce_seconds_count 1');
  line('rxds_debounce_seconds_sum 0.05');
  line(`rxds_invalid_resources_total{type_url="${CDS}"} 1`);
  line('rxds_blocking_queries_waiting 2');
  line('rxds_source_errors_total{source="file:mesh.yaml"} 3');
  line('rxds_source_errors_total{source="store"} 1');
  assert.match(text, /# TYPE rxds_debounce_seconds histogram/);
  assert.doesNotMatch(text, /process_cpu/, 'process metrics only when asked for');
  assert.equal((await fetch(`${url}/metrics`, { method: 'POST' })).status, 405);
});

test('metrics live in the injected registry only; a second set in another registry does not clash', async () => {
  const a = new Registry();
  const b = new Registry();
  const ma = createMetrics({ registry: a, processMetrics: true });
  const mb = createMetrics({ registry: b });
  ma.snapshotBuilt();
  assert.equal(await series(a, 'rxds_snapshot_builds_total', { kind: 'proxy' }), 1);
  assert.equal(await series(b, 'rxds_snapshot_builds_total', { kind: 'proxy' }), undefined);
  assert.ok((await a.metrics()).includes('rxds_process_cpu_seconds_total'));
  ma.close();
  mb.close();
});
