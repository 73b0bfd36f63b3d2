// Consul API figures: how fast one write releases 1000 waiting blocking queries, and how many
// registrations per second the HTTP API takes (SQLite store, synchronous=FULL, one fsync per write).
//
// The 1000 waiters run in a child process (this file again, with RXDS_BENCH_ROLE=waiters), so their
// HTTP parsing does not share the server's event loop; each waiter's latency is the time from just
// before the write is sent to the moment its answer was complete in the child (wall clock, both
// processes on this machine). The first rounds warm the JIT up and are not counted. The server's CPU
// time per release and the load average are printed too: on a shared machine the wall-clock figures
// mostly measure the other processes.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../src/sources/store/sqlite-store.js';
import { startConsulApiServer } from '../src/sources/consul-api/consul-api-server.js';

export const name = 'Consul API: blocking-query release and registration throughput';

const WAITERS = 1000;
const WARMUP_ROUNDS = 3;
const ROUNDS = 10;
const REGISTRATIONS = 2000;
const CONCURRENCY = 32;

const now = () => performance.timeOrigin + performance.now();

interface Round {
  readonly url: string;
}

function get(agent: Agent, url: string): Promise<{ status: number; index: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, index: Number(res.headers['x-consul-index']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The child: for each round it is sent, fires WAITERS blocking GETs and reports when each answer completed. */
if (process.env['RXDS_BENCH_ROLE'] === 'waiters') {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  process.on('message', (msg: Round | 'exit') => {
    if (msg === 'exit') {
      agent.destroy();
      process.disconnect();
      return;
    }
    const times: number[] = [];
    void Promise.all(
      Array.from({ length: WAITERS }, () =>
        get(agent, msg.url).then((r) => {
          if (r.status !== 200) throw new Error(`waiter got ${r.status}`);
          times.push(now());
        }),
      ),
    ).then(() => process.send!({ times }));
  });
}

export async function run(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-bench-'));
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  let waiting = 0;
  let onWaiting: (() => void) | undefined;
  const store = await openSqliteStore(dir);
  const server = await startConsulApiServer(store, {
    onWaitingChange: (n) => {
      waiting = n;
      onWaiting?.();
    },
  });
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, RXDS_BENCH_ROLE: 'waiters' },
  });
  const send = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; index: number }>((resolve, reject) => {
      const req = request(`${server.url}${path}`, { method, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, index: Number(res.headers['x-consul-index']) }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const untilWaiting = (n: number) =>
    new Promise<void>((resolve) => {
      if (waiting === n) return resolve();
      onWaiting = () => {
        if (waiting === n) {
          onWaiting = undefined;
          resolve();
        }
      };
    });

  try {
    await send('PUT', '/v1/agent/service/register', { Name: 'web', ID: 'web-1', Port: 80, Check: { TTL: '1h' } });
    const latencies: number[] = [];
    const serverCpu: number[] = [];
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      const { index } = await send('GET', '/v1/health/service/web');
      const reported = new Promise<number[]>((resolve) => child.once('message', (m: { times: number[] }) => resolve(m.times)));
      child.send({ url: `${server.url}/v1/health/service/web?index=${index}&wait=5m` } satisfies Round);
      await untilWaiting(WAITERS);
      const cpu0 = process.cpuUsage();
      const t0 = now();
      const w = await send('PUT', `/v1/agent/check/${round % 2 === 0 ? 'pass' : 'fail'}/service:web-1`);
      if (w.status !== 200) throw new Error(`write failed: ${w.status}`);
      const times = await reported;
      const cpu = process.cpuUsage(cpu0);
      if (round >= WARMUP_ROUNDS) {
        for (const t of times) latencies.push(t - t0);
        serverCpu.push((cpu.user + cpu.system) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    serverCpu.sort((a, b) => a - b);

    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REGISTRATIONS) {
          const i = next++;
          const r = await send('PUT', '/v1/agent/service/register', { Name: `svc-${i % 50}`, ID: `svc-${i}`, Port: 1000 + i, Check: { TTL: '30s' } });
          if (r.status !== 200) throw new Error(`registration failed: ${r.status}`);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;

    return {
      [`release latency after one write, ${WAITERS} waiters x ${ROUNDS} rounds, p50 (ms)`]: pct(latencies, 0.5),
      [`release latency after one write, ${WAITERS} waiters, p99 (ms)`]: pct(latencies, 0.99),
      [`release latency after one write, ${WAITERS} waiters, max (ms)`]: latencies[latencies.length - 1]!,
      'release latency target p99 (ms)': '< 20',
      [`server CPU to release ${WAITERS} waiters (write included), median (ms)`]: pct(serverCpu, 0.5),
      'load average (1 min) while measuring': loadavg()[0]!,
      [`registrations per second (HTTP, SQLite, ${CONCURRENCY} concurrent)`]: REGISTRATIONS / elapsed,
    };
  } finally {
    child.send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
    agent.destroy();
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}
