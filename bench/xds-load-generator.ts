// Load generator for bench/xds-fanout.bench.ts, run in its own process: N Delta ADS streams, each on
// its own connection (as N proxies), subscribed to the same clusters and their endpoints. It ACKs
// every response, tells the parent when all streams are synced, and for each announced change
// reports when each stream received it (epoch ms with sub-ms precision, comparable across processes).
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { grpcServiceDefinition } from '../src/core/grpc-service.js';
import { TypeUrl } from '../src/core/type-urls.js';
import { AggregatedDiscoveryService } from '../src/gen/envoy/service/discovery/v3/ads_pb.js';
import { NodeSchema } from '../src/gen/envoy/config/core/v3/base_pb.js';
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../src/gen/envoy/service/discovery/v3/discovery_pb.js';

export type ParentMessage = { type: 'watch'; name: string; version: string } | { type: 'stop' };
export type ChildMessage = { type: 'synced' } | { type: 'watching' } | { type: 'received'; times: number[] };

const [port, streamCount, clusterCount] = process.argv.slice(2).map(Number) as [number, number, number];
const names = Array.from({ length: clusterCount }, (_, i) => `c${i}`);
const Client = grpc.makeGenericClientConstructor(grpcServiceDefinition(AggregatedDiscoveryService), 'ADS');
const epochNow = () => performance.timeOrigin + performance.now();

interface Proxy {
  client: grpc.Client;
  call: grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  endpoints: number;
  clusters: number;
}

let watched: { name: string; version: string; times: number[] } | undefined;
let synced = 0;
const proxies: Proxy[] = [];

for (let i = 0; i < streamCount; i++) {
  // A local subchannel pool gives each client its own connection, as separate proxies would have.
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  const call = (client as unknown as { deltaAggregatedResources(): Proxy['call'] }).deltaAggregatedResources();
  const p: Proxy = { client, call, endpoints: 0, clusters: 0 };
  proxies.push(p);
  call.on('error', () => {});
  call.on('data', (r: DeltaDiscoveryResponse) => {
    call.write(create(DeltaDiscoveryRequestSchema, { typeUrl: r.typeUrl, responseNonce: r.nonce }));
    const wasSynced = p.clusters >= clusterCount && p.endpoints >= clusterCount;
    if (r.typeUrl === TypeUrl.Cluster) p.clusters += r.resources.length;
    if (r.typeUrl === TypeUrl.ClusterLoadAssignment) {
      p.endpoints += r.resources.length;
      const w = watched;
      if (w && r.resources.some((x) => x.name === w.name && x.version === w.version)) {
        w.times.push(epochNow());
        if (w.times.length === streamCount) {
          watched = undefined;
          send({ type: 'received', times: w.times });
        }
      }
    }
    if (!wasSynced && p.clusters >= clusterCount && p.endpoints >= clusterCount && ++synced === streamCount) send({ type: 'synced' });
  });
  const node = create(NodeSchema, { id: `proxy-${i}`, cluster: 'bench' });
  call.write(create(DeltaDiscoveryRequestSchema, { node, typeUrl: TypeUrl.Cluster, resourceNamesSubscribe: ['*'] }));
  call.write(create(DeltaDiscoveryRequestSchema, { typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: names }));
}

function send(m: ChildMessage): void {
  process.send!(m);
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'watch') {
    watched = { name: m.name, version: m.version, times: [] };
    send({ type: 'watching' });
  } else {
    for (const p of proxies) {
      p.call.cancel();
      p.client.close();
    }
    process.exit(0);
  }
});
