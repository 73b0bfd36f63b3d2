import { durationMs } from '../../sources/config-entries/duration.js';

/**
 * The parts of an opaque proxy `Config` map (proxy-defaults `Config`, or a registration's `Proxy.Config`)
 * rxds turns into Envoy settings, with Consul's key names (snake_case; any case and PascalCase accepted):
 * - `local_connect_timeout_ms`: connect timeout of `local_app`;
 * - `limits: {max_connections, max_pending_requests, max_concurrent_requests}`: upstream circuit breakers;
 * - `passive_health_check: {interval, max_failures, enforcing_consecutive_5xx, max_ejection_percent,
 *   base_ejection_time}`: upstream outlier detection (durations as Go text or milliseconds).
 * Values of the wrong type are ignored (the entry was accepted as opaque user data).
 */
export interface ProxyConfig {
  readonly localConnectTimeoutMs?: number;
  readonly limits?: {
    readonly maxConnections?: number;
    readonly maxPendingRequests?: number;
    readonly maxConcurrentRequests?: number;
  };
  readonly passiveHealthCheck?: {
    readonly intervalMs?: number;
    readonly maxFailures?: number;
    readonly enforcingConsecutive5xx?: number;
    readonly maxEjectionPercent?: number;
    readonly baseEjectionTimeMs?: number;
  };
}

type Loose = Readonly<Record<string, unknown>>;

/** A field by Consul's snake_case name, matched ignoring case and underscores. */
function field(obj: Loose | undefined, name: string): unknown {
  if (!obj) return undefined;
  const want = name.replace(/_/g, '').toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.replace(/[_-]/g, '').toLowerCase() === want) return v;
  return undefined;
}

function object(v: unknown): Loose | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Loose) : undefined;
}

function count(v: unknown, max = 0xffffffff): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : undefined;
}

function millis(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const ms = durationMs(v);
  return ms !== undefined && ms >= 0 ? ms : undefined;
}

function compact<T extends object>(o: T): T | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

export function parseProxyConfig(config: Loose | undefined): ProxyConfig {
  const limits = object(field(config, 'limits'));
  const phc = object(field(config, 'passive_health_check'));
  const out: { -readonly [K in keyof ProxyConfig]: ProxyConfig[K] } = {};
  const local = count(field(config, 'local_connect_timeout_ms'));
  if (local !== undefined && local > 0) out.localConnectTimeoutMs = local;
  const l = limits
    ? compact({
        maxConnections: count(field(limits, 'max_connections')),
        maxPendingRequests: count(field(limits, 'max_pending_requests')),
        maxConcurrentRequests: count(field(limits, 'max_concurrent_requests')),
      })
    : undefined;
  if (l) out.limits = l;
  const p = phc
    ? compact({
        intervalMs: millis(field(phc, 'interval')),
        maxFailures: count(field(phc, 'max_failures')),
        enforcingConsecutive5xx: count(field(phc, 'enforcing_consecutive_5xx'), 100),
        maxEjectionPercent: count(field(phc, 'max_ejection_percent'), 100),
        baseEjectionTimeMs: millis(field(phc, 'base_ejection_time')),
      })
    : undefined;
  if (p) out.passiveHealthCheck = p;
  return out;
}
