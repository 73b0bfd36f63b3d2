// What an operator does to the mesh, through rxds's HTTP API only (Consul's agent and config endpoints),
// printing each request as it goes; and how they see that a proxy took the change (GET /v1/rxds/proxies/:id).

export class Operator {
  constructor(
    private readonly baseUrl: string,
    private readonly say: (line: string) => void,
  ) {}

  register(def: Record<string, unknown>): Promise<unknown> {
    return this.request('PUT', '/v1/agent/service/register', def);
  }

  deregister(serviceId: string): Promise<unknown> {
    return this.request('PUT', `/v1/agent/service/deregister/${encodeURIComponent(serviceId)}`);
  }

  writeConfig(entry: Record<string, unknown>): Promise<unknown> {
    return this.request('PUT', '/v1/config', entry);
  }

  deleteConfig(kind: string, name: string): Promise<unknown> {
    return this.request('DELETE', `/v1/config/${kind}/${encodeURIComponent(name)}`);
  }

  check(verb: 'pass' | 'warn' | 'fail', checkId: string): Promise<unknown> {
    // Check IDs such as service:backend-v1-a are written as Consul's docs write them (':' needs no escaping).
    return this.request('PUT', `/v1/agent/check/${verb}/${encodeURIComponent(checkId).replace(/%3A/g, ':')}`);
  }

  /** The acked version of each xDS type of a connected proxy, or undefined if it is not connected (yet). */
  async ackedVersions(nodeId: string): Promise<Map<string, string> | undefined> {
    const res = await fetch(`${this.baseUrl}/v1/rxds/proxies/${encodeURIComponent(nodeId)}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET /v1/rxds/proxies/${nodeId}: ${res.status} ${await res.text()}`);
    const view = (await res.json()) as { Types: Array<{ Type: string; Status: string; LastAckedVersion: string | null }> };
    if (view.Types.some((t) => t.Status !== 'SYNCED')) return new Map(); // something sent and not acked yet
    return new Map(view.Types.map((t) => [t.Type, t.LastAckedVersion ?? '']));
  }

  /**
   * Waits until the proxy has ACKed a configuration different from `before` (every type SYNCED) and it
   * stays the same for `settleMs` (several writes of one step may be pushed separately). Resolves with the
   * types that changed and when that configuration was first seen ACKed (epoch ms).
   */
  async waitForSync(nodeId: string, before: ReadonlyMap<string, string> | undefined, opts: { timeoutMs?: number; settleMs?: number } = {}): Promise<{ changed: string[]; ackedAt: number }> {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    const settleMs = opts.settleMs ?? 300;
    let last = '';
    let since = Date.now();
    for (;;) {
      const now = await this.ackedVersions(nodeId);
      const key = now ? JSON.stringify([...now]) : '';
      if (key !== last) {
        last = key;
        since = Date.now();
      }
      const changed = now && now.size > 0 ? [...now].filter(([t, v]) => before?.get(t) !== v).map(([t]) => t) : [];
      if (changed.length > 0 && Date.now() - since >= settleMs) return { changed, ackedAt: since };
      if (Date.now() > deadline) throw new Error(`proxy ${nodeId} did not ACK a new configuration within ${opts.timeoutMs ?? 15_000} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    this.say(`$ ${method} ${path}${body === undefined ? '' : ` ${JSON.stringify(body)}`}`);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }
}
