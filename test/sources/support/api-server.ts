// Starts the Consul API on a free loopback port over a given (or in-memory) store, and a tiny HTTP client.
import { startConsulApiServer, type ConsulApiServer, type ConsulApiServerOptions } from '../../../src/sources/consul-api/consul-api-server.js';
import { createMemoryStore } from '../../../src/sources/store/memory-store.js';
import type { StateStore } from '../../../src/sources/store/state-store.js';

export interface TestApi {
  readonly store: StateStore;
  readonly server: ConsulApiServer;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startTestApi(options: Partial<ConsulApiServerOptions> & { store?: StateStore } = {}): Promise<TestApi> {
  const store = options.store ?? createMemoryStore();
  const server = await startConsulApiServer(store, { catalogOptions: { keepAliveMs: 20 }, ...options });
  return {
    store,
    server,
    url: server.url,
    port: server.port,
    async close() {
      await server.close();
      await store.close();
    },
  };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly index: number;
  readonly text: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  readonly json: unknown;
}

/** One HTTP request; a string body is sent as is, anything else as JSON. */
export async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, index: Number(res.headers.get('x-consul-index')), text, json };
}
