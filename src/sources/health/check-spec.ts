import type { ObservableInput } from 'rxjs';

export type HealthStatus = 'passing' | 'warning' | 'critical';

/** What every check has. Times are milliseconds of the injected scheduler's clock. */
export interface CheckSpecBase {
  /** `service:<service-id>` or `service:<service-id>:<n>` for service checks, as in Consul. */
  readonly checkId: string;
  /** The service the check belongs to ('' or absent for a node check, which is never deregistered). */
  readonly serviceId?: string;
  readonly name?: string;
  /**
   * The check's status when the runner first sees it (Consul's `Status` in a definition, or what the catalog
   * holds after a restart). Default `critical`, as in Consul. Later changes of this field are ignored: the
   * runner owns the status from then on.
   */
  readonly status?: HealthStatus;
  readonly output?: string;
  /** Consul's DeregisterCriticalServiceAfter: deregister the service once the check has been critical this long. */
  readonly deregisterCriticalServiceAfterMs?: number;
}

export interface TtlCheckSpec extends CheckSpecBase {
  readonly type: 'ttl';
  readonly ttlMs: number;
}

export interface IntervalCheckFields {
  readonly intervalMs: number;
  /** Consul's Timeout; see effectiveTimeoutMs for how the default is derived. */
  readonly timeoutMs?: number;
}

export interface HttpCheckSpec extends CheckSpecBase, IntervalCheckFields {
  readonly type: 'http';
  /** The URL to request, e.g. `http://127.0.0.1:8080/health`. */
  readonly http: string;
  readonly method?: string;
  readonly header?: Readonly<Record<string, readonly string[]>>;
  readonly body?: string;
  readonly tlsSkipVerify?: boolean;
  readonly tlsServerName?: string;
}

export interface TcpCheckSpec extends CheckSpecBase, IntervalCheckFields {
  readonly type: 'tcp';
  /** `host:port` (IPv6 as `[::1]:port`). */
  readonly tcp: string;
}

export interface GrpcCheckSpec extends CheckSpecBase, IntervalCheckFields {
  readonly type: 'grpc';
  /** `host:port` or `host:port/service` (the service name sent in grpc.health.v1 HealthCheckRequest). */
  readonly grpc: string;
  readonly grpcUseTls?: boolean;
  readonly tlsSkipVerify?: boolean;
  readonly tlsServerName?: string;
}

export type IntervalCheckSpec = HttpCheckSpec | TcpCheckSpec | GrpcCheckSpec;
export type CheckSpec = TtlCheckSpec | IntervalCheckSpec;

export interface ProbeResult {
  readonly status: HealthStatus;
  readonly output: string;
}

/**
 * Runs one probe. The result may arrive synchronously (tests) or later (a Promise). `signal` is aborted when
 * the probe's timeout passes or the check is removed: release sockets then.
 */
export type Probe<S> = (spec: S, signal: AbortSignal) => ObservableInput<ProbeResult>;

export interface Probes {
  readonly http: Probe<HttpCheckSpec>;
  readonly tcp: Probe<TcpCheckSpec>;
  readonly grpc: Probe<GrpcCheckSpec>;
}

/** A TTL check update: what `PUT /v1/agent/check/pass|warn|fail/:check_id?note=` carries. */
export interface TtlUpdate {
  readonly checkId: string;
  readonly status: HealthStatus;
  /** The note; Consul sets the check's output to it (empty when absent). */
  readonly output?: string;
}

export type HealthEvent =
  | { readonly type: 'status'; readonly checkId: string; readonly serviceId?: string; readonly status: HealthStatus; readonly output: string }
  | { readonly type: 'deregister'; readonly serviceId: string; readonly checkId: string };

/** The default probe timeout (Consul's): 10 s. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A probe's timeout: the check's Timeout, else 10 s. (Probes of one check never overlap: the next starts one
 * Interval after the previous one ended, as in Consul's check loop.)
 */
export function effectiveTimeoutMs(spec: IntervalCheckFields): number {
  return spec.timeoutMs !== undefined && spec.timeoutMs > 0 ? spec.timeoutMs : DEFAULT_TIMEOUT_MS;
}
