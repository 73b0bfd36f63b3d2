export type {
  CheckSpec,
  CheckSpecBase,
  TtlCheckSpec,
  HttpCheckSpec,
  TcpCheckSpec,
  GrpcCheckSpec,
  IntervalCheckSpec,
  HealthStatus,
  HealthEvent,
  Probe,
  Probes,
  ProbeResult,
  TtlUpdate,
} from './check-spec.js';
export { effectiveTimeoutMs, DEFAULT_TIMEOUT_MS } from './check-spec.js';
export { runHealthChecks, type HealthRunnerDeps } from './run-health-checks.js';
export { createProbes } from './default-probes.js';
export { httpProbe } from './http-probe.js';
export { tcpProbe } from './tcp-probe.js';
export { grpcProbe } from './grpc-probe.js';
export { checkSpecFromDefinition, type ConsulCheckDefinition } from './check-definition.js';
export { ttlExpiredOutput } from './check-status.js';
