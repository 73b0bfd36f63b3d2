// xDS fan-out: 1000 Delta ADS streams (own connections, from a separate load-generator process)
// subscribed to the same 100 clusters; one endpoint change is pushed, several times. Reports the
// time until each stream has the update (p50, p99, and until all have it), resource encodings per
// change (should be the number of changed resources, whatever the number of streams), the server's
// CPU time per change, and server memory per idle stream.
//
// The first changes after start run on code V8 has not optimised yet (the initial sync of 100 clusters
// takes other paths than an incremental change): WARMUP changes are pushed and reported apart ("first
// change after start"), the percentiles are over the CHANGES that follow, as a long-running server sees.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { create } from '@bufbuild/protobuf';
import { BehaviorSubject } from 'rxjs';
import { ClusterSchema, Cluster_DiscoveryType, type Cluster } from '../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ResourceEncoder } from '../src/core/resource.js';
import { encodeSnapshot, type Snapshot } from '../src/core/snapshot.js';
import { TypeUrl } from '../src/core/type-urls.js';
import { createXdsServer } from '../src/sinks/xds/xds-server.js';
import type { ChildMessage, ParentMessage } from './xds-load-generator.js';

export const name = 'xDS fan-out: one endpoint change to 1000 Delta ADS streams';

const STREAMS = Number(process.env.XDS_BENCH_STREAMS ?? 1000);
const CLUSTERS = 100;
const WARMUP = 3;
const CHANGES = Number(process.env.XDS_BENCH_CHANGES ?? 10);

function cluster(i: number): Cluster {
  return create(ClusterSchema, {
    name: `c${i}`,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } },
    connectTimeout: { seconds: 5n },
  });
}

function endpoints(i: number, port: number): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName: `c${i}`,
    endpoints: [
      {
        loadBalancingWeight: 1,
        lbEndpoints: Array.from({ length: 10 }, (_, k) => ({
          hostIdentifier: {
            case: 'endpoint' as const,
            value: { address: { address: { case: 'socketAddress' as const, value: { address: `10.0.${i}.${k}`, portSpecifier: { case: 'portValue' as const, value: port } } } } },
          },
        })),
      },
    ],
  });
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  collect();
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function next(child: ChildProcess, type: ChildMessage['type']): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number) => reject(new Error(`load generator exited (${code}) while waiting for ${type}`));
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export async function run(): Promise<Record<string, number | string>> {
  const encoder = new ResourceEncoder();
  const clusters = Array.from({ length: CLUSTERS }, (_, i) => cluster(i));
  const assignments = Array.from({ length: CLUSTERS }, (_, i) => endpoints(i, 8080));
  const snap$ = new BehaviorSubject<Snapshot>(encodeSnapshot(encoder, [...clusters, ...assignments]));
  const xds = createXdsServer({ snapshots: () => snap$ });
  const port = await xds.listen('127.0.0.1:0');
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;

  // Run as TypeScript (tsx) or as compiled JavaScript alike: the generator has this file's extension.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const child = fork(fileURLToPath(new URL(`./xds-load-generator${ext}`, import.meta.url)), [String(port), String(STREAMS), String(CLUSTERS)], {
    // RXDS_BENCH_CHILD_PROFILE=DIR writes the load generator's CPU profile there (node --cpu-prof).
    execArgv: [...(ext === '.ts' ? ['--import', 'tsx'] : []), ...(process.env.RXDS_BENCH_CHILD_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RXDS_BENCH_CHILD_PROFILE}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await next(child, 'synced');
    gc();
    const heapPerStream = (process.memoryUsage().heapUsed - heapBefore) / STREAMS;
    const rssPerStream = (process.memoryUsage().rss - rssBefore) / STREAMS;

    const latencies: number[] = [];
    const untilAll: number[] = [];
    const encodings: number[] = [];
    const cpuMs: number[] = [];
    const pushMs: number[] = [];
    const pushCpuMs: number[] = [];
    let coldUntilAll = 0;
    for (let c = 1; c <= WARMUP + CHANGES; c++) {
      const changed = endpoints(7, 8080 + c);
      const before = encoder.encodings;
      const snapshot = encodeSnapshot(encoder, [...clusters, ...assignments.map((a, i) => (i === 7 ? changed : a))]);
      const encoded = encoder.encodings - before;
      const version = snapshot.get(TypeUrl.ClusterLoadAssignment)!.get('c7')!.version;
      child.send({ type: 'watch', name: 'c7', version } satisfies ParentMessage);
      await next(child, 'watching');
      const received = next(child, 'received');
      const cpu0 = process.cpuUsage();
      const t0 = performance.timeOrigin + performance.now();
      snap$.next(snapshot); // every stream's diff, framing and write happen in this call
      const pushed = performance.timeOrigin + performance.now() - t0;
      const pushCpu = process.cpuUsage(cpu0);
      const { times } = (await received) as Extract<ChildMessage, { type: 'received' }>;
      const cpu = process.cpuUsage(cpu0);
      const ms = times.map((t) => t - t0);
      if (c === 1) coldUntilAll = Math.max(...ms);
      if (c <= WARMUP) continue;
      encodings.push(encoded);
      pushMs.push(pushed);
      pushCpuMs.push((pushCpu.user + pushCpu.system) / 1000);
      cpuMs.push((cpu.user + cpu.system) / 1000);
      latencies.push(...ms);
      untilAll.push(Math.max(...ms));
    }
    latencies.sort((a, b) => a - b);
    untilAll.sort((a, b) => a - b);
    return {
      streams: STREAMS,
      'clusters (and endpoint sets) per stream': CLUSTERS,
      'changes measured (after warm-up changes)': `${CHANGES} (after ${WARMUP})`,
      'first change after start (cold), until every stream has it ms': coldUntilAll,
      'delivery p50 ms (per stream)': quantile(latencies, 0.5),
      'delivery p99 ms (per stream)': quantile(latencies, 0.99),
      'until every stream has it, median ms': quantile(untilAll, 0.5),
      'until every stream has it, max ms': untilAll.at(-1)!,
      'encodings per change': encodings.reduce((a, b) => a + b, 0) / CHANGES,
      'server push ms per change (all diffs and writes handed to HTTP/2)': pushMs.reduce((a, b) => a + b, 0) / CHANGES,
      'server push CPU ms per change': pushCpuMs.reduce((a, b) => a + b, 0) / CHANGES,
      'server CPU ms per change (push + ACKs)': cpuMs.reduce((a, b) => a + b, 0) / CHANGES,
      'server heap KB per idle stream': heapPerStream / 1024,
      'server RSS KB per idle stream': rssPerStream / 1024,
    };
  } finally {
    child.send({ type: 'stop' } satisfies ParentMessage);
    await new Promise((r) => child.once('exit', r));
    await xds.close();
  }
}
