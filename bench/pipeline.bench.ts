// Proxy pipeline figures:
// 1. Convergence: the time from an HTTP registration (PUT /v1/agent/service/register) to the updated EDS
//    arriving on each of 1000 proxyless SotW streams (raw xDS clients over real gRPC, all in this process:
//    client work shares the event loop, so the figures are upper bounds), p50/p99 over every stream and
//    round, with the contract's default debounce (50 ms) included.
// 2. Work per change: snapshot builds per change of a service that all 1000 proxies use (1000: each proxy
//    rebuilds once; its shared endpoints are built once), and per change of a service none of them uses (0).
// 3. Snapshot builds per second: 1000 proxy pipelines without the xDS server, debounce off, one change
//    rebuilding all of them synchronously.
import { create } from '@bufbuild/protobuf';
import { asyncScheduler, of } from 'rxjs';
import { loadavg } from 'node:os';
import { NodeSchema } from '../src/gen/envoy/config/core/v3/base_pb.js';
import { silentLogger } from '../src/core/logger.js';
import { ResourceEncoder } from '../src/core/resource.js';
import { TypeUrl } from '../src/core/type-urls.js';
import { createCatalog } from '../src/sources/catalog/catalog.js';
import { createMemoryStore } from '../src/sources/store/memory-store.js';
import { createProxyManager } from '../src/pipelines/proxy/proxy-manager.js';
import { SotwClient } from '../test/support/xds-client.js';
import { MeshUnderTest } from '../test/e2e/mesh-under-test.js';
import { instance, mesh, registrationOpsOf } from '../test/pipelines/proxy/mesh-state.js';

export const name = 'Proxy pipelines: registration -> EDS on 1000 proxyless streams, builds per change and per second';

const STREAMS = 1000;
const WARMUP_ROUNDS = 2;
const ROUNDS = 10;
const DEBOUNCE_MS = 50;
const BUILD_ROUNDS = 20;

const now = () => performance.now();
const SNI = 'bench.default.dc1.internal.rxds.e2e';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function convergence(): Promise<Record<string, number | string>> {
  const mesh = await MeshUnderTest.start({ debounceMs: DEBOUNCE_MS, debounceMaxMs: 1000, maxSnapshotsPerSecond: Infinity, onInvalidResource: () => {} });
  const clients: SotwClient[] = [];
  try {
    await mesh.register({ Name: 'bench', ID: 'bench-0', Address: '127.0.0.1', Port: 10000 });
    await mesh.register({ Name: 'unrelated', ID: 'unrelated-0', Address: '127.0.0.1', Port: 11000 });
    for (let i = 0; i < STREAMS; i++) {
      const c = new SotwClient(mesh.xdsPort, { nodeId: `bench-client-${i}` });
      clients.push(c);
      c.subscribe(TypeUrl.Listener, ['bench']);
      c.subscribe(TypeUrl.ClusterLoadAssignment, [SNI]);
    }
    // Every stream holds the first EDS (ACKed) before measuring; other types are ACKed as they come.
    const nextEds = (c: SotwClient) =>
      (async () => {
        for (;;) {
          const r = await c.next(60_000);
          c.ack(r);
          if (r.typeUrl === TypeUrl.ClusterLoadAssignment) return;
        }
      })();
    await Promise.all(clients.map(nextEds));
    const latencies: number[] = [];
    let port = 10001;
    let buildsPerChange = 0;
    let sharedPerChange = 0;
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      const before = mesh.manager.stats();
      const t0 = now();
      const arrivals = clients.map((c) => nextEds(c).then(() => now() - t0));
      await mesh.register({ Name: 'bench', ID: `bench-${round + 1}`, Address: '127.0.0.1', Port: port++ });
      const times = await Promise.all(arrivals);
      const after = mesh.manager.stats();
      if (round >= WARMUP_ROUNDS) {
        latencies.push(...times);
        buildsPerChange += (after.builds - before.builds) / ROUNDS;
        sharedPerChange += (after.sharedBuilds - before.sharedBuilds) / ROUNDS;
      }
    }
    const before = mesh.manager.stats().builds;
    await mesh.register({ Name: 'unrelated', ID: 'unrelated-1', Address: '127.0.0.1', Port: 11001 });
    await new Promise((r) => setTimeout(r, DEBOUNCE_MS * 4));
    const unrelatedBuilds = mesh.manager.stats().builds - before;
    latencies.sort((a, b) => a - b);
    return {
      'streams': STREAMS,
      'debounce (ms, included below)': DEBOUNCE_MS,
      'registration -> EDS on every stream, p50 (ms)': percentile(latencies, 50),
      'registration -> EDS on every stream, p99 (ms)': percentile(latencies, 99),
      'registration -> EDS on every stream, max (ms)': latencies.at(-1)!,
      'snapshot builds per change of the used service': buildsPerChange,
      'shared resource builds per change (endpoints)': sharedPerChange,
      'snapshot builds per change of an unrelated service': unrelatedBuilds,
    };
  } finally {
    for (const c of clients) c.close();
    await mesh.close();
  }
}

async function buildsPerSecond(): Promise<Record<string, number>> {
  const store = createMemoryStore(mesh([instance('bench', 'bench-0', 10000)]));
  const manager = createProxyManager({
    catalog: createCatalog(store, { keepAliveMs: 0 }),
    encoder: new ResourceEncoder(),
    scheduler: asyncScheduler,
    debounceMs: 0,
    debounceMaxMs: 0,
    graceMs: 0,
    trustDomain: 'rxds.bench',
    logger: silentLogger,
    maxSnapshotsPerSecond: Infinity,
  });
  const subs = Array.from({ length: STREAMS }, (_, i) =>
    manager
      .snapshots(create(NodeSchema, { id: `c-${i}` }), { streamId: String(i), subscriptions$: of(new Map([[TypeUrl.Listener, ['bench']]])) })
      .subscribe(),
  );
  let elapsed = 0;
  let builds = 0;
  for (let round = 0; round < WARMUP_ROUNDS + BUILD_ROUNDS; round++) {
    const before = manager.stats().builds;
    const t0 = now();
    await store.write((s) => registrationOpsOf(s, instance('bench', `bench-${round + 1}`, 20000 + round)));
    while (manager.stats().builds - before < STREAMS) await new Promise((r) => setImmediate(r));
    if (round >= WARMUP_ROUNDS) {
      elapsed += now() - t0;
      builds += manager.stats().builds - before;
    }
  }
  for (const s of subs) s.unsubscribe();
  await store.close();
  return {
    'snapshot builds (1000 proxies x changes)': builds,
    'snapshot builds per second (generate + gate, no xDS)': Math.round((builds / elapsed) * 1000),
  };
}

export async function run(): Promise<Record<string, number | string>> {
  const figures = await convergence();
  const b = await buildsPerSecond();
  return { ...figures, ...b, 'load average (1 min)': loadavg()[0]!.toFixed(2) };
}
