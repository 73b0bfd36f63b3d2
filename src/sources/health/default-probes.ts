import type { Probes } from './check-spec.js';
import { grpcProbe } from './grpc-probe.js';
import { httpProbe } from './http-probe.js';
import { tcpProbe } from './tcp-probe.js';

/** The real network probes (HTTP, TCP, gRPC health) for runHealthChecks. */
export function createProbes(): Probes {
  return { http: httpProbe, tcp: tcpProbe, grpc: grpcProbe };
}
