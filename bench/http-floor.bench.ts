// What this machine can do, as the yardstick for the Consul API bench: a plain Node http server (no
// rxds code) holds 1000 keep-alive requests, then answers all of them with the same small ready-made
// JSON answer in one loop; a waiter process on the other core timestamps each complete answer. Measured
// with the lean reader (bench/lean-http-waiter.ts) and with Node's own http client, as
// consul-api.bench.ts does: the gap between the two is the waiter process's own parsing.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { heapAfterGc } from './heap-after-gc.js';
import { LeanWaiter } from './lean-http-waiter.js';

export const name = 'HTTP floor: a bare Node http server answering 1000 held requests';

const WAITERS = 1000;
const WARMUP_ROUNDS = 10; // as consul-api.bench.ts: the figures are those of optimised code
const ROUNDS = 20;
const now = () => performance.timeOrigin + performance.now();
type Client = 'lean' | 'node-http';

if (process.env['RXDS_BENCH_ROLE'] === 'floor-waiters') {
  const port = Number(process.env['RXDS_BENCH_PORT']);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  let lean: LeanWaiter[] | undefined;
  const nodeGet = () =>
    new Promise<{ status: number; index: number }>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, index: Number(res.headers['x-consul-index']) }));
      });
      req.on('error', reject);
      req.end();
    });
  process.on('message', (client: Client | 'exit') => {
    if (client === 'exit') {
      agent.destroy();
      for (const w of lean ?? []) w.close();
      process.disconnect();
      return;
    }
    const times: number[] = [];
    const once = client === 'lean' ? (i: number) => (lean ??= Array.from({ length: WAITERS }, () => new LeanWaiter(port, (e) => console.error(e))))[i]!.get('/') : nodeGet;
    void Promise.all(
      Array.from({ length: WAITERS }, (_, i) =>
        once(i).then((r) => {
          if (r.status !== 200 || r.index !== 2) throw new Error(`unexpected answer ${r.status} ${r.index}`);
          times.push(now());
        }),
      ),
    ).then(() => process.send!({ times }));
  });
}

export async function run(): Promise<Record<string, number | string>> {
  const body = '[{"Node":{"Node":"rxds","Address":"127.0.0.1"},"Service":{"ID":"web-1","Service":"web","Port":80},"Checks":[]}]';
  const head = ['X-Consul-Index', '2', 'content-type', 'application/json', 'content-length', String(Buffer.byteLength(body))];
  let held: ServerResponse[] = [];
  let onFull: (() => void) | undefined;
  const server = createServer((_req, res) => {
    held.push(res);
    if (held.length === WAITERS) onFull?.();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [],
    env: { ...process.env, RXDS_BENCH_ROLE: 'floor-waiters', RXDS_BENCH_PORT: String(port) },
  });
  const measure = async (client: Client) => {
    const latencies: number[] = [];
    const loops: number[] = [];
    let heapPerRequest = NaN;
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      held = [];
      const heap0 = round === 1 ? heapAfterGc() : 0; // round 1: the connections are already open
      const full = new Promise<void>((resolve) => (onFull = resolve));
      const reported = new Promise<number[]>((resolve) => child.once('message', (m: { times: number[] }) => resolve(m.times)));
      child.send(client);
      await full;
      if (round === 1) heapPerRequest = (heapAfterGc() - heap0) / WAITERS;
      const t0 = now();
      for (const res of held) {
        res.writeHead(200, head);
        res.end(body);
      }
      const loop = now() - t0;
      const times = await reported;
      if (round < WARMUP_ROUNDS) continue;
      loops.push(loop);
      for (const t of times) latencies.push(t - t0);
    }
    latencies.sort((a, b) => a - b);
    loops.sort((a, b) => a - b);
    return `${pct(latencies, 0.5).toFixed(1)} / ${pct(latencies, 0.99).toFixed(1)} (answer loop ${pct(loops, 0.5).toFixed(1)} ms; heap per held request ${(heapPerRequest / 1024).toFixed(2)} KB)`;
  };
  try {
    return {
      [`${WAITERS} answers to the lean reader: p50 / p99 ms`]: await measure('lean'),
      [`${WAITERS} answers to Node's http client: p50 / p99 ms`]: await measure('node-http'),
    };
  } finally {
    child.send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
    server.closeAllConnections();
    server.close();
  }
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}
