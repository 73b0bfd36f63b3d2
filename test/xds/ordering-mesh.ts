// What the SotW and Delta ordering tests share: a four-type mesh and an Envoy-style initial sync.
import { TypeUrl } from '../../src/core/type-urls.js';
import type { ResourceMessage } from '../../src/core/resource.js';
import { apiListener, cluster, endpoints, routeConfig } from '../support/fixtures.js';
import type { XdsHarness } from '../support/xds-harness.js';

export const CDS = TypeUrl.Cluster;
export const EDS = TypeUrl.ClusterLoadAssignment;
export const LDS = TypeUrl.Listener;
export const RDS = TypeUrl.RouteConfiguration;

/** A listener L -> route R -> cluster `clusterName` with its endpoints; `v` varies every resource. */
export function mesh(clusterName: string, v = 0): ResourceMessage[] {
  return [
    apiListener('L', 'R', { statPrefix: `L${v}` }),
    routeConfig('R', ['svc', `svc-${v}`], clusterName),
    cluster(clusterName, { connectTimeoutSeconds: 5 + v }),
    endpoints(clusterName, [8000 + v]),
  ];
}

/** Either test client: subscribes per type and ACKs what it reads. */
interface OrderingClient {
  readonly nodeId: string;
  subscribe(typeUrl: string, names: string[]): void;
  nextAcked(): Promise<{ typeUrl: string }>;
}

/** Subscribes as Envoy does (CDS and LDS wildcard, EDS and RDS by name) and ACKs until all four arrived. */
export async function syncEnvoyStyle(h: XdsHarness, c: OrderingClient, clusterName: string): Promise<void> {
  c.subscribe(CDS, ['*']);
  c.subscribe(EDS, [clusterName]);
  c.subscribe(LDS, ['*']);
  c.subscribe(RDS, ['R']);
  const seen = new Set<string>();
  while (seen.size < 4) seen.add((await c.nextAcked()).typeUrl);
  await h.synced(c.nodeId, [CDS, EDS, LDS, RDS]);
}
