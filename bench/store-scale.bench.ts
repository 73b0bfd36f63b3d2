// Store scalability: what one write costs as the catalog grows to 1 000 / 10 000 / 50 000 services
// (each with one TTL check, ten instances per service name).
//
// - applyOps alone: one service-put (a changed port of an existing instance) on the in-memory state.
// - the same write through a memory store with one subscribed `serviceHealth$` of the written name (what
//   a proxy pipeline or a blocking query on that service keeps open): store + catalog slice per write.
// - a check-status write through a memory store with `checks$` subscribed (every check, sorted: what
//   `GET /v1/agent/checks` answers; `services$` is the same for `/v1/agent/services`), and the same write
//   with `checkDefinitions$` subscribed instead (the health runner's input, which a status does not move).
// - an unrelated service write (another instance's Meta) with the proxy pipelines' catalog inputs of
//   PIPELINE_PROXIES Envoy sidecar upstreams (`UpstreamInputs.input$('sidecar', name)`: each destination
//   has one sidecar proxy) and PIPELINE_PROXIES proxyless server listeners (`serverInput$`, each server
//   on its own port) subscribed: what a proxy manager serving those proxies pays per write it has no
//   interest in. The inputs must not emit for such a write (checked).
// - registrations per second through the HTTP API on the SQLite store (32 concurrent clients, one TTL
//   check each), after the store was filled to the size.
//
// Wall-clock figures on a shared machine: compare runs of the same session, not absolute numbers.
import { Agent, request } from 'node:http';
import { asyncScheduler, Subscription } from 'rxjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOps } from '../src/sources/store/apply-ops.js';
import { API_OWNER, EMPTY_CATALOG_STATE, type CatalogState, type ServiceInput, type WriteOp } from '../src/sources/store/catalog-state.js';
import { createMemoryStore } from '../src/sources/store/memory-store.js';
import { openSqliteStore } from '../src/sources/store/sqlite-store.js';
import { createCatalog } from '../src/sources/catalog/catalog.js';
import { startConsulApiServer } from '../src/sources/consul-api/consul-api-server.js';
import type { StateStore } from '../src/sources/store/state-store.js';
import { silentLogger } from '../src/core/logger.js';
import { UpstreamInputs } from '../src/pipelines/proxy/upstream-inputs.js';
import { serverInput$ } from '../src/pipelines/proxy/server-inputs.js';

export const name = 'Store scalability: cost of one write at 1k / 10k / 50k services';

const SIZES = (process.env.RXDS_BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
const APPLY_WRITES = 2000;
const CATALOG_WRITES = 1000;
const PIPELINE_WRITES = 300;
const PIPELINE_PROXIES = 50;
const REGISTRATIONS = 1000;
const CONCURRENCY = 32;

const service = (i: number, port = 1000): ServiceInput => ({
  ID: `svc-${i}`,
  Service: `name-${Math.floor(i / 10)}`,
  Kind: '',
  Tags: [],
  Meta: {},
  Address: '10.0.0.1',
  Port: port,
  Weights: { Passing: 1, Warning: 1 },
  EnableTagOverride: false,
  Owner: API_OWNER,
});

function fillOps(from: number, to: number): WriteOp[] {
  const ops: WriteOp[] = [];
  for (let i = from; i < to; i++) {
    const s = service(i);
    ops.push({ type: 'service-put', service: s });
    ops.push({
      type: 'check-put',
      check: {
        CheckID: `service:${s.ID}`, Name: 'ttl', Status: 'critical', Notes: '', Output: '', ServiceID: s.ID, ServiceName: s.Service,
        ServiceTags: [], Type: 'ttl', Definition: { TTL: '30s' }, Owner: API_OWNER,
      },
    });
  }
  return ops;
}

async function fill(store: StateStore, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) await store.write(fillOps(i, Math.min(n, i + 1000)));
}

function applyFigure(n: number): number {
  let state: CatalogState = EMPTY_CATALOG_STATE;
  for (let i = 0; i < n; i += 1000) state = applyOps(state, fillOps(i, Math.min(n, i + 1000))).state;
  const started = performance.now();
  for (let w = 0; w < APPLY_WRITES; w++) {
    state = applyOps(state, [{ type: 'service-put', service: service((w * 7919) % n, 2000 + w) }]).state;
  }
  return (performance.now() - started) / APPLY_WRITES;
}

async function catalogFigure(n: number): Promise<number> {
  const store = createMemoryStore();
  await fill(store, n);
  const catalog = createCatalog(store, { keepAliveMs: 0 });
  const target = 5; // the instances svc-50..svc-59 share name-5
  let seen = 0;
  const sub = catalog.serviceHealth$(`name-${target}`).subscribe(() => seen++);
  const started = performance.now();
  for (let w = 0; w < CATALOG_WRITES; w++) await store.write([{ type: 'service-put', service: service(target * 10 + (w % 10), 3000 + w) }]);
  const ms = (performance.now() - started) / CATALOG_WRITES;
  sub.unsubscribe();
  await store.close();
  if (seen !== CATALOG_WRITES + 1) throw new Error(`the slice emitted ${seen} times, not ${CATALOG_WRITES + 1}`);
  return ms;
}

/**
 * A check-status write with `checks$` (all checks, sorted) or `checkDefinitions$` (the same list, moved only
 * by definitions: the health runner's input) subscribed; `emits` says whether each write should emit.
 */
async function listingFigure(n: number, slice: 'checks$' | 'checkDefinitions$', emits: boolean): Promise<number> {
  const store = createMemoryStore();
  await fill(store, n);
  const catalog = createCatalog(store, { keepAliveMs: 0 });
  let seen = 0;
  const sub = catalog[slice].subscribe(() => seen++);
  const started = performance.now();
  for (let w = 0; w < CATALOG_WRITES; w++) {
    const checkId = `service:svc-${(w * 7919) % n}`;
    const status = store.current().checks.get(checkId)?.Status === 'passing' ? 'critical' : 'passing';
    await store.write([{ type: 'check-status', checkId, status, output: '' }]);
  }
  const ms = (performance.now() - started) / CATALOG_WRITES;
  sub.unsubscribe();
  await store.close();
  const expected = emits ? CATALOG_WRITES + 1 : 1;
  if (seen !== expected) throw new Error(`${slice} emitted ${seen} times, not ${expected}`);
  return ms;
}

/**
 * An unrelated service write with the proxy pipelines' catalog inputs subscribed: the upstream inputs of
 * PIPELINE_PROXIES sidecar destinations and PIPELINE_PROXIES proxyless server listeners.
 */
async function pipelineFigure(n: number): Promise<number> {
  const store = createMemoryStore();
  await fill(store, n);
  const extra: WriteOp[] = [];
  for (let k = 0; k < PIPELINE_PROXIES; k++) {
    const dest = service(k * 10);
    extra.push({
      type: 'service-put',
      service: {
        ...service(0, 21000 + k), ID: `${dest.ID}-sidecar-proxy`, Service: `${dest.Service}-sidecar-proxy`, Kind: 'connect-proxy',
        Proxy: { DestinationServiceName: dest.Service, DestinationServiceID: dest.ID, LocalServiceAddress: '127.0.0.1', LocalServicePort: 1000, Upstreams: [] },
      },
    });
    extra.push({ type: 'service-put', service: { ...service(0, 50000 + k), ID: `server-${k}`, Service: `server-${k}`, Address: '10.0.0.2' } });
  }
  await store.write(extra);
  const catalog = createCatalog(store, { keepAliveMs: 0 });
  const upstreams = new UpstreamInputs({ catalog, trustDomain: 'bench.consul', scheduler: asyncScheduler, logger: silentLogger });
  let emitted = 0;
  const subs = new Subscription();
  const first = new Set<number>();
  for (let k = 0; k < PIPELINE_PROXIES; k++) {
    subs.add(upstreams.input$('sidecar', `name-${k}`).subscribe((input) => {
      if (input.instances[`name-${k}`]?.length !== 1) throw new Error(`name-${k}: ${input.instances[`name-${k}`]?.length} sidecar endpoints, not 1`);
      first.add(k);
      emitted++;
    }));
    subs.add(serverInput$(catalog, `grpc/server?xds.resource.listening_address=10.0.0.2:${50000 + k}`)!.subscribe((input) => {
      if (input.service !== `server-${k}`) throw new Error(`listener ${k} found ${input.service}`);
      first.add(PIPELINE_PROXIES + k);
      emitted++;
    }));
  }
  await new Promise((resolve) => setImmediate(resolve));
  if (first.size !== 2 * PIPELINE_PROXIES) throw new Error(`${first.size} of ${2 * PIPELINE_PROXIES} inputs emitted`);
  emitted = 0;
  const started = performance.now();
  for (let w = 0; w < PIPELINE_WRITES; w++) {
    // Instances PIPELINE_PROXIES*10.. are no destination and no server.
    const i = PIPELINE_PROXIES * 10 + ((w * 7919) % (n - PIPELINE_PROXIES * 10));
    await store.write([{ type: 'service-put', service: { ...service(i), Meta: { w: String(w) } } }]);
  }
  const ms = (performance.now() - started) / PIPELINE_WRITES;
  subs.unsubscribe();
  await store.close();
  if (emitted !== 0) throw new Error(`the inputs emitted ${emitted} times for unrelated writes`);
  return ms;
}

async function httpFigure(n: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-bench-scale-'));
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const store = await openSqliteStore(dir);
  const server = await startConsulApiServer(store, {});
  try {
    await fill(store, n);
    const send = (path: string, body: unknown) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}${path}`, { method: 'PUT', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REGISTRATIONS) {
          const i = n + next++;
          const status = await send('/v1/agent/service/register', { Name: `name-${Math.floor(i / 10)}`, ID: `svc-${i}`, Port: 1000, Check: { TTL: '30s' } });
          if (status !== 200) throw new Error(`registration failed: ${status}`);
        }
      }),
    );
    return REGISTRATIONS / ((performance.now() - started) / 1000);
  } finally {
    agent.destroy();
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  for (const n of SIZES) {
    out[`${n} services: applyOps, one service-put (ms per write)`] = applyFigure(n);
    out[`${n} services: memory store + subscribed serviceHealth$ (ms per write)`] = await catalogFigure(n);
    out[`${n} services: check status write, subscribed checks$ (ms per write)`] = await listingFigure(n, 'checks$', true);
    out[`${n} services: the same, subscribed checkDefinitions$ (health runner) (ms)`] = await listingFigure(n, 'checkDefinitions$', false);
    out[`${n} services: unrelated write, ${PIPELINE_PROXIES} sidecar + ${PIPELINE_PROXIES} server inputs (ms)`] = await pipelineFigure(n);
    out[`${n} services: HTTP registrations/s (SQLite, ${CONCURRENCY} concurrent)`] = await httpFigure(n);
  }
  out['load average (1 min)'] = loadavg()[0]!;
  return out;
}
