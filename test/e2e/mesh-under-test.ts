// An rxds assembled for end-to-end tests: the Consul HTTP API over a memory store, the xDS server fed by
// the per-proxy pipelines over the same catalog, real echo backends, and an HTTP client that drives
// everything as a user would (registrations, config entries, check updates).
import * as grpc from '@grpc/grpc-js';
import { asyncScheduler } from 'rxjs';
import { silentLogger } from '../../src/core/logger.js';
import { ResourceEncoder } from '../../src/core/resource.js';
import { createCatalog } from '../../src/sources/catalog/catalog.js';
import { startConsulApiServer, type ConsulApiServer } from '../../src/sources/consul-api/consul-api-server.js';
import { createMemoryStore } from '../../src/sources/store/memory-store.js';
import type { StateStore } from '../../src/sources/store/state-store.js';
import { createXdsServer, type XdsServer } from '../../src/sinks/xds/xds-server.js';
import { createProxyManager, type ProxyManager, type ProxyManagerDeps } from '../../src/pipelines/proxy/proxy-manager.js';
import { grpcBootstrap } from '../../src/cli/bootstrap-grpc.js';
import { ECHO_SERVICE, startEchoBackend, type EchoBackend } from '../support/echo-backend.js';

export class MeshUnderTest {
  private readonly backends: EchoBackend[] = [];
  private readonly clients: grpc.Client[] = [];

  private constructor(
    readonly store: StateStore,
    readonly api: ConsulApiServer,
    readonly xds: XdsServer,
    readonly xdsPort: number,
    readonly manager: ProxyManager,
  ) {}

  static async start(deps: Partial<ProxyManagerDeps> = {}): Promise<MeshUnderTest> {
    const store = createMemoryStore();
    const catalog = createCatalog(store, { keepAliveMs: 100 });
    const api = await startConsulApiServer(store, { catalog, logger: silentLogger });
    const manager = createProxyManager({
      catalog,
      encoder: new ResourceEncoder(),
      scheduler: asyncScheduler,
      debounceMs: 10,
      debounceMaxMs: 100,
      graceMs: 1000,
      trustDomain: 'rxds.e2e',
      logger: silentLogger,
      maxSnapshotsPerSecond: 1000,
      onInvalidResource: (i) => {
        throw new Error(`generated an invalid resource: ${i.resource.name} ${JSON.stringify(i.violations)}`);
      },
      ...deps,
    });
    const xds = createXdsServer({ snapshots: manager.snapshots, logger: silentLogger });
    const xdsPort = await xds.listen('127.0.0.1:0');
    return new MeshUnderTest(store, api, xds, xdsPort, manager);
  }

  /** Sets the bootstrap grpc-js-xds reads (once per process: call before importing it). */
  useAsGrpcXdsServer(nodeId: string): void {
    process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] = JSON.stringify(grpcBootstrap({ nodeId, grpcAddr: `127.0.0.1:${this.xdsPort}` }));
  }

  async backend(name: string): Promise<EchoBackend> {
    const b = await startEchoBackend(name);
    this.backends.push(b);
    return b;
  }

  async http(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.api.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  register(def: Record<string, unknown>): Promise<unknown> {
    return this.http('PUT', '/v1/agent/service/register', def);
  }

  deregister(id: string): Promise<unknown> {
    return this.http('PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
  }

  config(entry: Record<string, unknown>): Promise<unknown> {
    return this.http('PUT', '/v1/config', entry);
  }

  check(verb: 'pass' | 'warn' | 'fail', checkId: string): Promise<unknown> {
    return this.http('PUT', `/v1/agent/check/${verb}/${encodeURIComponent(checkId)}`);
  }

  /** An echo client of `target` (e.g. `xds:///echo`) whose calls may carry metadata. */
  client(target: string): EchoCaller {
    const Ctor = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'rxds.test.Echo');
    const c = new Ctor(target, grpc.credentials.createInsecure());
    this.clients.push(c);
    return new EchoCaller(c);
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await this.xds.close();
    await this.api.close();
    await this.store.close();
    await Promise.all(this.backends.map((b) => b.close()));
  }
}

/**
 * grpc-js-xds keeps a deactivated priority child for 15 minutes on a ref'd timer (its retention interval),
 * which keeps a test process alive long after its last test once priorities changed (failover). Timers of
 * at least `minMs` set from now on are unref'd: they cannot matter within a test run.
 */
export function unrefLongTimers(minMs = 60_000): void {
  const original = globalThis.setTimeout;
  const patched = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const t = original(fn, ms, ...args);
    if ((ms ?? 0) >= minMs) t.unref();
    return t;
  }) as typeof setTimeout;
  globalThis.setTimeout = Object.assign(patched, original);
}

export class EchoCaller {
  constructor(private readonly client: grpc.Client) {}

  /** One RPC; resolves with the name of the backend that answered. */
  call(headers: Record<string, string> = {}, deadlineMs = 5000): Promise<string> {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) md.set(k, v);
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, Function>)['call']!;
      fn.call(this.client, Buffer.from('ping'), md, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, resp?: Buffer) =>
        err ? reject(err) : resolve(resp!.toString()),
      );
    });
  }

  /** Calls until `done` holds for the answers so far (every call must succeed); returns the answers. */
  async until(done: (answers: string[]) => boolean, what: string, opts: { headers?: Record<string, string>; max?: number } = {}): Promise<string[]> {
    const answers: string[] = [];
    const max = opts.max ?? 3000;
    while (!done(answers)) {
      if (answers.length >= max) throw new Error(`${what} not reached after ${max} RPCs: ${tally(answers)}`);
      answers.push(await this.call(opts.headers));
    }
    return answers;
  }

  /**
   * Keeps `workers` RPCs in flight until stopped; records each answer with the time its call started, and
   * every failure.
   */
  load(workers = 4, headers: Record<string, string> = {}) {
    const answers: Array<{ at: number; name: string }> = [];
    const failures: string[] = [];
    let stopped = false;
    const running = Array.from({ length: workers }, async () => {
      while (!stopped) {
        const at = Date.now();
        try {
          answers.push({ at, name: await this.call(headers) });
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e));
        }
      }
    });
    return {
      answers,
      failures,
      stop: async () => {
        stopped = true;
        await Promise.all(running);
      },
    };
  }
}

export function tally(answers: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  return JSON.stringify(Object.fromEntries([...counts].sort()));
}

/** True once the last `n` answers are all `name`. */
export const lastAll = (name: string, n: number) => (answers: readonly string[]) => answers.length >= n && answers.slice(-n).every((a) => a === name);
