import { create } from '@bufbuild/protobuf';
import { HealthStatus } from '../../gen/envoy/config/core/v3/health_check_pb.js';
import {
  ClusterLoadAssignmentSchema,
  type ClusterLoadAssignment,
} from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { LocalityLbEndpoints, LbEndpoint } from '../../gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import { LbEndpointSchema, LocalityLbEndpointsSchema } from '../../gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import type { ChainTarget, ResolverNode } from '../chain/compiled-chain.js';
import { instanceHealth, selectTargetInstances } from '../chain/select-target-instances.js';
import { socketAddress } from './envoy-values.js';
import type { EndpointInstance } from './generation-input.js';
import { DATACENTER } from './names.js';

/**
 * The endpoints of a resolver's cluster (named by its target's SNI). Healthy instances only: critical ones
 * are left out, and warning ones too when the subset is OnlyPassing; a passing instance weighs its
 * `Weights.Passing`, a warning one its `Weights.Warning` (an instance weighing 0 gets no traffic), as in
 * Consul. Failover is by priority: the primary target's instances at priority 0, then each failover
 * target that has healthy instances at the next priority, so traffic moves to the first target that has
 * any. Every locality carries `load_balancing_weight` (proxyless gRPC drops localities without one).
 */
export function buildLoadAssignment(
  resolver: ResolverNode,
  targets: Readonly<Record<string, ChainTarget>>,
  instances: Readonly<Record<string, readonly EndpointInstance[]>>,
): ClusterLoadAssignment {
  const primary = targets[resolver.target]!;
  const localities: LocalityLbEndpoints[] = [];
  for (const id of [resolver.target, ...resolver.failover]) {
    const target = targets[id];
    if (!target) continue;
    const lbEndpoints = lbEndpointsOf(target, instances[target.service] ?? []);
    if (lbEndpoints.length === 0) continue;
    localities.push(
      create(LocalityLbEndpointsSchema, {
        locality: { region: DATACENTER, zone: target.id },
        loadBalancingWeight: 1,
        priority: localities.length,
        lbEndpoints,
      }),
    );
  }
  return create(ClusterLoadAssignmentSchema, { clusterName: primary.sni, endpoints: localities });
}

function lbEndpointsOf(target: ChainTarget, instances: readonly EndpointInstance[]): LbEndpoint[] {
  const out: LbEndpoint[] = [];
  const seen = new Set<string>();
  for (const inst of selectTargetInstances(target, instances)) {
    const weights = inst.Service.Weights;
    const weight = instanceHealth(inst) === 'warning' ? weights.Warning : weights.Passing;
    if (!(weight >= 1) || inst.port <= 0) continue;
    const key = `${inst.address}:${inst.port}`;
    if (seen.has(key)) continue; // two registrations of one address: one endpoint
    seen.add(key);
    out.push(
      create(LbEndpointSchema, {
        hostIdentifier: { case: 'endpoint', value: { address: socketAddress(inst.address, inst.port) } },
        healthStatus: HealthStatus.HEALTHY,
        loadBalancingWeight: Math.min(Math.floor(weight), 128),
      }),
    );
  }
  out.sort((a, b) => compareEndpoints(a, b));
  return out;
}

function endpointKey(e: LbEndpoint): string {
  if (e.hostIdentifier.case !== 'endpoint') return '';
  const a = e.hostIdentifier.value.address?.address;
  return a?.case === 'socketAddress' ? `${a.value.address}:${String(a.value.portSpecifier.value).padStart(5, '0')}` : '';
}

function compareEndpoints(a: LbEndpoint, b: LbEndpoint): number {
  const x = endpointKey(a);
  const y = endpointKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
