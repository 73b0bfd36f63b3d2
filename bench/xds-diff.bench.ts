// The per-stream protocol work alone (no gRPC): 1000 Delta ADS state machines, each holding the
// same 100 clusters and endpoint sets, take one endpoint change: diff, response, ACK. Shows what the
// sink adds per stream and per change on top of the transport (see xds-fanout for the whole path).
import { create } from '@bufbuild/protobuf';
import { ClusterSchema, Cluster_DiscoveryType } from '../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { DeltaDiscoveryRequestSchema } from '../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { ResourceEncoder } from '../src/core/resource.js';
import { encodeSnapshot } from '../src/core/snapshot.js';
import { TypeUrl } from '../src/core/type-urls.js';
import { deltaMachine, type DeltaState } from '../src/sinks/xds/delta-state.js';
import { SnapshotInterner } from '../src/sinks/xds/snapshot-interner.js';
import { machineConfig } from '../src/sinks/xds/xds-pipeline.js';

export const name = 'xDS diff: one endpoint change through 1000 Delta stream state machines (no transport)';

const STREAMS = 1000;
const CLUSTERS = 100;
const CHANGES = 20;

export async function run(): Promise<Record<string, number | string>> {
  const encoder = new ResourceEncoder();
  const interner = new SnapshotInterner();
  const clusters = Array.from({ length: CLUSTERS }, (_, i) =>
    create(ClusterSchema, { name: `c${i}`, clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS }, edsClusterConfig: {} }),
  );
  const cla = (i: number, factor: number): ClusterLoadAssignment =>
    create(ClusterLoadAssignmentSchema, { clusterName: `c${i}`, policy: { overprovisioningFactor: factor } });
  let assignments = Array.from({ length: CLUSTERS }, (_, i) => cla(i, 100));
  let snapshot = interner.intern(undefined, encodeSnapshot(encoder, [...clusters, ...assignments]));
  const machine = deltaMachine(machineConfig({}));
  const at = () => ({ wall: Date.now(), tick: performance.now() });
  const ack = (typeUrl: string, nonce: string) => create(DeltaDiscoveryRequestSchema, { typeUrl, responseNonce: nonce });

  const states: DeltaState[] = [];
  for (let i = 0; i < STREAMS; i++) {
    let s = machine.snapshot(machine.initial, snapshot, at());
    s = machine.request(s, create(DeltaDiscoveryRequestSchema, { typeUrl: TypeUrl.Cluster, resourceNamesSubscribe: ['*'] }), at()).state;
    s = machine.request(s, create(DeltaDiscoveryRequestSchema, { typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: clusters.map((c) => c.name) }), at()).state;
    for (let step = machine.next(s, at()); step; step = machine.next(s, at())) {
      s = step.state;
      const out = step.outputs[0]!;
      if (out.kind === 'response') s = machine.request(s, ack(out.typeUrl, out.nonce), at()).state;
    }
    states.push(s);
  }

  const perChange: number[] = [];
  for (let c = 1; c <= CHANGES; c++) {
    assignments = assignments.map((a, i) => (i === 7 ? cla(7, 100 + c) : a));
    snapshot = interner.intern(snapshot, encodeSnapshot(encoder, [...clusters, ...assignments]));
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < STREAMS; i++) {
      let s = machine.snapshot(states[i]!, snapshot, at());
      const step = machine.next(s, at());
      const out = step?.outputs[0];
      if (!step || out?.kind !== 'response' || out.resources.length !== 1) throw new Error('expected one response with the changed endpoints');
      s = machine.request(step.state, ack(out.typeUrl, out.nonce), at()).state;
      if (machine.next(s, at())) throw new Error('nothing else is due');
      states[i] = s;
    }
    const cpu = process.cpuUsage(cpu0);
    perChange.push((cpu.user + cpu.system) / 1000);
  }
  perChange.sort((a, b) => a - b);
  return {
    streams: STREAMS,
    'resources held per stream': 2 * CLUSTERS,
    'CPU ms per change, all streams (median)': perChange[Math.floor(perChange.length / 2)]!,
    'CPU µs per stream per change (median)': (perChange[Math.floor(perChange.length / 2)]! * 1000) / STREAMS,
  };
}
