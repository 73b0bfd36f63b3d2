// Consul API figures: how fast one write releases 1000 waiting blocking queries, and how many
// registrations per second the HTTP API takes (SQLite store, synchronous=FULL, one fsync per write).
//
// The 1000 waiters run in a child process (this file again, with RXDS_BENCH_ROLE=waiters), so their
// HTTP parsing does not share the server's event loop; each waiter's latency is the time from just
// before the write is sent to the moment its answer was complete in the child (wall clock, both
// processes on this machine). A long-running server answers with optimised code: per-round figures show
// V8 reaching that state after 6-10 releases (p99 30-60 ms in the first rounds, 12-16 ms from then on), so
// the first 10 rounds are warm-up, reported on their own lines (the first release after start, and
// the warm-up rounds' p99), and the next 20 are the measurement. The server's CPU time per release and
// the load average are printed too: on a shared machine the wall-clock figures mostly measure the other
// processes. RXDS_BENCH_VERBOSE=1 prints each round's figures on stderr.
//
// In the second round, the heap a parked blocking query holds is measured (full GCs around parking
// the 1000 waiters): what each holds is what every young-generation GC copies while they wait, and
// those GC pauses land on releases.
//
// Two waiter clients, each on 1000 keep-alive connections: a lean HTTP/1.1 reader on node:net (it
// sends the GET, reads the status line and headers, takes the body by Content-Length, checks status 200
// and that X-Consul-Index moved past the index it waited on; what a Go watcher does at a fraction of
// Node's cost), and Node's own http client (http.Agent). On these 2 cores the waiter process parses
// 1000 answers while the server writes them; Node's http client alone costs about 25 us per answer
// (a plain Node http server writing the same 1000 small answers: p99 10-14 ms to the lean reader, 37-49 ms
// to http.Agent), so the lean reader's figure is the server's release latency, and the other is shown
// for comparison.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { heapAfterGc } from './heap-after-gc.js';
import { LeanWaiter } from './lean-http-waiter.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../src/sources/store/sqlite-store.js';
import { startConsulApiServer } from '../src/sources/consul-api/consul-api-server.js';

export const name = 'Consul API: blocking-query release and registration throughput';

const WAITERS = Number(process.env.RXDS_BENCH_WAITERS ?? 1000);
const WARMUP_ROUNDS = 10;
const ROUNDS = 20;
const REGISTRATIONS = 2000;
const CONCURRENCY = 32;

const now = () => performance.timeOrigin + performance.now();

interface Round {
  readonly url: string;
  readonly client: 'lean' | 'node-http';
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
  let lean: LeanWaiter[] | undefined;
  process.on('message', (msg: Round | 'exit') => {
    if (msg === 'exit') {
      agent.destroy();
      for (const w of lean ?? []) w.close();
      process.disconnect();
      return;
    }
    const times: number[] = [];
    const url = new URL(msg.url);
    const waitedOn = Number(url.searchParams.get('index'));
    const once =
      msg.client === 'lean'
        ? (i: number) => (lean ??= Array.from({ length: WAITERS }, () => new LeanWaiter(Number(url.port), (err) => console.error(err))))[i]!.get(url.pathname + url.search)
        : () => get(agent, msg.url);
    void Promise.all(
      Array.from({ length: WAITERS }, (_, i) =>
        once(i).then((r) => {
          if (r.status !== 200) throw new Error(`waiter got ${r.status}`);
          if (!(r.index > waitedOn)) throw new Error(`waiter answered with index ${r.index}, not past ${waitedOn}`);
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
  let allAnsweredAt: number | undefined; // when the server had written the last waiter's answer
  let onWaiting: (() => void) | undefined;
  const store = await openSqliteStore(dir);
  const server = await startConsulApiServer(store, {
    onWaitingChange: (n) => {
      waiting = n;
      if (n === 0 && allAnsweredAt === undefined) allAnsweredAt = now();
      onWaiting?.();
    },
  });
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [],
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
    let writes = 0; // each write flips the check, so every write changes the watched slice
    const measure = async (client: Round['client']) => {
      const latencies: number[] = [];
      const warmup: number[] = [];
      let cold: number[] = [];
      const serverCpu: number[] = [];
      const serverDone: number[] = [];
      let heapPerWaiter = NaN;
      for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
        const { index } = await send('GET', '/v1/health/service/web');
        const heap0 = round === 1 ? heapAfterGc() : 0; // round 1: the connections are already open
        const reported = new Promise<number[]>((resolve) => child.once('message', (m: { times: number[] }) => resolve(m.times)));
        child.send({ url: `${server.url}/v1/health/service/web?index=${index}&wait=5m`, client } satisfies Round);
        await untilWaiting(WAITERS);
        if (round === 1) heapPerWaiter = (heapAfterGc() - heap0) / WAITERS;
        const cpu0 = process.cpuUsage();
        allAnsweredAt = undefined;
        const t0 = now();
        const w = await send('PUT', `/v1/agent/check/${writes++ % 2 === 0 ? 'pass' : 'fail'}/service:web-1`);
        if (w.status !== 200) throw new Error(`write failed: ${w.status}`);
        const times = await reported;
        const cpu = process.cpuUsage(cpu0);
        if (process.env['RXDS_BENCH_VERBOSE']) {
          const r = times.map((t) => t - t0).sort((a, b) => a - b);
          const f = (p: number) => pct(r, p).toFixed(1);
          console.error(`${client} round ${round}: first ${f(0)} p50 ${f(0.5)} p99 ${f(0.99)} last ${r.at(-1)!.toFixed(1)} ms, server CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms`);
        }
        if (round === 0) cold = times.map((t) => t - t0).sort((a, b) => a - b);
        if (round < WARMUP_ROUNDS) for (const t of times) warmup.push(t - t0);
        else {
          for (const t of times) latencies.push(t - t0);
          serverCpu.push((cpu.user + cpu.system) / 1000);
          serverDone.push(allAnsweredAt! - t0);
        }
      }
      latencies.sort((a, b) => a - b);
      warmup.sort((a, b) => a - b);
      serverCpu.sort((a, b) => a - b);
      serverDone.sort((a, b) => a - b);
      return { latencies, warmup, cold, serverCpu, serverDone, heapPerWaiter };
    };
    const lean = await measure('lean');
    const nodeHttp = await measure('node-http');

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
      [`release latency after one write, ${WAITERS} waiters x ${ROUNDS} rounds, p50 (ms)`]: pct(lean.latencies, 0.5),
      [`release latency after one write, ${WAITERS} waiters, p99 (ms)`]: pct(lean.latencies, 0.99),
      [`release latency after one write, ${WAITERS} waiters, max (ms)`]: lean.latencies.at(-1)!,
      'release latency target p99 (ms)': '< 20',
      [`heap held per parked blocking query (KB)`]: lean.heapPerWaiter / 1024,
      [`the first release after start (cold JIT): p50 / p99 (ms)`]: `${pct(lean.cold, 0.5).toFixed(1)} / ${pct(lean.cold, 0.99).toFixed(1)}`,
      [`the ${WARMUP_ROUNDS} warm-up releases: p50 / p99 (ms)`]: `${pct(lean.warmup, 0.5).toFixed(1)} / ${pct(lean.warmup, 0.99).toFixed(1)}`,
      [`server: every answer written to its socket, after the write was sent, median / max (ms)`]: `${pct(lean.serverDone, 0.5).toFixed(1)} / ${lean.serverDone.at(-1)!.toFixed(1)}`,
      [`server CPU to release ${WAITERS} waiters (write included), median (ms)`]: pct(lean.serverCpu, 0.5),
      [`the same with Node's http client as waiters: p50 / p99 (ms)`]: `${pct(nodeHttp.latencies, 0.5).toFixed(1)} / ${pct(nodeHttp.latencies, 0.99).toFixed(1)}`,
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
