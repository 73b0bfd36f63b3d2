import { err, ok, type Result } from '../../core/result.js';
import { parseGoDuration } from '../config-entries/duration.js';
import type { CheckSpec, HealthStatus } from './check-spec.js';
import { splitGrpcTarget } from './grpc-probe.js';
import { splitHostPort } from './tcp-probe.js';

/** A Consul check definition (keys already normalized to PascalCase), as in a service's `Check`/`Checks`. */
export interface ConsulCheckDefinition {
  readonly CheckID?: string;
  readonly Name?: string;
  readonly Notes?: string;
  readonly Status?: string;
  readonly TTL?: string | number;
  readonly HTTP?: string;
  readonly Method?: string;
  readonly Header?: Readonly<Record<string, readonly string[]>>;
  readonly Body?: string;
  readonly TCP?: string;
  readonly GRPC?: string;
  readonly GRPCUseTLS?: boolean;
  readonly TLSSkipVerify?: boolean;
  readonly TLSServerName?: string;
  readonly Interval?: string | number;
  readonly Timeout?: string | number;
  readonly DeregisterCriticalServiceAfter?: string | number;
}

function ms(field: string, v: string | number | undefined): Result<number | undefined> {
  if (v === undefined || v === '') return ok(undefined);
  if (typeof v === 'number') return v >= 0 ? ok(v / 1e6) : err(`${field}: must be >= 0`, [field]);
  const r = parseGoDuration(v);
  if (!r.ok) return err(`${field}: ${r.error}`, [field]);
  if (r.ns < 0) return err(`${field}: must be >= 0`, [field]);
  return ok(r.ns / 1e6);
}

/**
 * Turns a Consul check definition into what runHealthChecks runs. Exactly one of TTL, HTTP, TCP, GRPC;
 * HTTP/TCP/GRPC need an Interval. Durations are Go strings ("10s") or nanoseconds.
 */
export function checkSpecFromDefinition(def: ConsulCheckDefinition, ids: { checkId: string; serviceId?: string }): Result<CheckSpec> {
  const kinds = (['TTL', 'HTTP', 'TCP', 'GRPC'] as const).filter((k) => def[k] !== undefined && def[k] !== '');
  if (kinds.length !== 1) {
    return err(kinds.length === 0 ? 'a check needs one of TTL, HTTP, TCP or GRPC' : `a check takes only one of ${kinds.join(', ')}`);
  }
  const status = def.Status?.toLowerCase();
  if (status !== undefined && status !== '' && status !== 'passing' && status !== 'warning' && status !== 'critical') {
    return err('Status: must be passing, warning or critical', ['Status']);
  }
  const interval = ms('Interval', def.Interval);
  const timeout = ms('Timeout', def.Timeout);
  const dereg = ms('DeregisterCriticalServiceAfter', def.DeregisterCriticalServiceAfter);
  for (const r of [interval, timeout, dereg]) if (!r.ok) return r;
  const base = {
    checkId: ids.checkId,
    ...(ids.serviceId ? { serviceId: ids.serviceId } : {}),
    ...(def.Name ? { name: def.Name } : {}),
    ...(status ? { status: status as HealthStatus } : {}),
    ...(dereg.ok && dereg.value !== undefined ? { deregisterCriticalServiceAfterMs: dereg.value } : {}),
  };
  const kind = kinds[0]!;
  if (kind === 'TTL') {
    const ttl = ms('TTL', def.TTL);
    if (!ttl.ok) return ttl;
    if (!ttl.value) return err('TTL: must be greater than 0', ['TTL']);
    return ok({ ...base, type: 'ttl', ttlMs: ttl.value });
  }
  if (!interval.ok || !interval.value) return err(`Interval: is required for ${kind} checks (e.g. "10s")`, ['Interval']);
  const timing = { intervalMs: interval.value, ...(timeout.ok && timeout.value ? { timeoutMs: timeout.value } : {}) };
  const tls = { ...(def.TLSSkipVerify ? { tlsSkipVerify: true } : {}), ...(def.TLSServerName ? { tlsServerName: def.TLSServerName } : {}) };
  if (kind === 'HTTP') {
    let url: URL;
    try {
      url = new URL(def.HTTP!);
    } catch {
      return err(`HTTP: invalid URL "${def.HTTP}"`, ['HTTP']);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return err(`HTTP: the URL must be http or https, not "${url.protocol}"`, ['HTTP']);
    return ok({
      ...base, ...timing, ...tls, type: 'http', http: def.HTTP!,
      ...(def.Method ? { method: def.Method.toUpperCase() } : {}),
      ...(def.Header ? { header: def.Header } : {}),
      ...(def.Body !== undefined ? { body: def.Body } : {}),
    });
  }
  if (kind === 'TCP') {
    try {
      splitHostPort(def.TCP!);
    } catch (e) {
      return err(`TCP: ${(e as Error).message}`, ['TCP']);
    }
    return ok({ ...base, ...timing, type: 'tcp', tcp: def.TCP! });
  }
  try {
    splitHostPort(splitGrpcTarget(def.GRPC!).address);
  } catch (e) {
    return err(`GRPC: ${(e as Error).message}`, ['GRPC']);
  }
  return ok({ ...base, ...timing, ...tls, type: 'grpc', grpc: def.GRPC!, ...(def.GRPCUseTLS ? { grpcUseTls: true } : {}) });
}
