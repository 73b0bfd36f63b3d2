// The etcd store's figures (`--store etcd`): a real etcd (apt `etcd-server`) on loopback, started with
// fsync on (as in production; the tests run it without), one rxds Consul API on it (replica A) and a
// second store and API on the same etcd (replica B, in this process):
// - registrations per second through A's HTTP API, 32 concurrent (each one etcd transaction);
// - one registration's latency (sequential), from the PUT sent to its answer;
// - replication: from a registration sent to A, the time to A's answer and to the release of a blocking
//   query waiting on B (B's etcd watch, fold and slice): B often has it before A's answer is back.
// Skipped, saying so, when the etcd binary is not installed.
import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { openEtcdStore } from '../src/sources/store/etcd-store.js';
import { startConsulApiServer } from '../src/sources/consul-api/consul-api-server.js';
import { ETCD_BIN, startEtcd } from '../test/support/etcd-server.js';

export const name = 'etcd store: registrations, write latency and replication to another replica';

const REGISTRATIONS = 1000;
const CONCURRENCY = 32;
const SEQUENTIAL = 200;
const REPLICATIONS = 100;

export async function run(): Promise<Record<string, number | string>> {
  if (spawnSync(ETCD_BIN, ['--version']).error) return { skipped: `no ${ETCD_BIN} binary on PATH (apt-get install etcd-server)` };
  const etcd = await startEtcd({ fsync: true });
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const storeA = await openEtcdStore({ endpoints: [etcd.endpoint] });
  const storeB = await openEtcdStore({ endpoints: [etcd.endpoint] });
  const a = await startConsulApiServer(storeA, {});
  const b = await startConsulApiServer(storeB, {});
  const call = (url: string, method = 'GET', body?: unknown) =>
    new Promise<{ status: number; index: number }>((resolve, reject) => {
      const req = request(url, { method, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, index: Number(res.headers['x-consul-index']) }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const register = async (url: string, i: number) => {
    const r = await call(`${url}/v1/agent/service/register`, 'PUT', { Name: `svc-${i % 50}`, ID: `svc-${i}`, Port: 1000 + (i % 60000), Check: { TTL: '30s' } });
    if (r.status !== 200) throw new Error(`registration failed: ${r.status}`);
    return r;
  };
  try {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REGISTRATIONS) await register(a.url, next++);
      }),
    );
    const perSecond = REGISTRATIONS / ((performance.now() - started) / 1000);

    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t0 = performance.now();
      await register(a.url, REGISTRATIONS + i);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((x, y) => x - y);

    // Each round: a blocking query on B on its own service name, then the registration through A.
    const lags: number[] = [];
    const acks: number[] = [];
    for (let i = 0; i < REPLICATIONS; i++) {
      const svc = `lag-${i}`;
      const before = await call(`${b.url}/v1/health/service/${svc}`);
      let releasedAt = 0;
      const released = call(`${b.url}/v1/health/service/${svc}?index=${before.index}&wait=30s`).then((r) => {
        releasedAt = performance.now();
        return r;
      });
      await new Promise((r) => setTimeout(r, 2)); // the query is parked on B before the write
      const sentAt = performance.now();
      const r = await call(`${a.url}/v1/agent/service/register`, 'PUT', { Name: svc, ID: `${svc}-1`, Port: 7000 });
      acks.push(performance.now() - sentAt);
      if (r.status !== 200) throw new Error(`registration failed: ${r.status}`);
      const onB = await released;
      if (!(onB.index > before.index)) throw new Error(`B answered index ${onB.index}, not past ${before.index}`);
      lags.push(releasedAt - sentAt);
    }
    lags.sort((x, y) => x - y);
    acks.sort((x, y) => x - y);
    return {
      [`registrations per second (HTTP, etcd with fsync, ${CONCURRENCY} concurrent)`]: perSecond,
      [`one registration, sequential: p50 / p99 (ms)`]: `${pct(latencies, 0.5).toFixed(2)} / ${pct(latencies, 0.99).toFixed(2)}`,
      [`a registration sent to A: A answers, p50 / p99 (ms)`]: `${pct(acks, 0.5).toFixed(2)} / ${pct(acks, 0.99).toFixed(2)}`,
      [`the same: a blocking query on B released, p50 / p99 (ms)`]: `${pct(lags, 0.5).toFixed(2)} / ${pct(lags, 0.99).toFixed(2)}`,
      'load average (1 min)': loadavg()[0]!,
    };
  } finally {
    agent.destroy();
    await a.close();
    await b.close();
    await storeA.close();
    await storeB.close();
    await etcd.destroy();
  }
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}
