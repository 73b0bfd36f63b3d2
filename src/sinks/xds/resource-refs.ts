import { fromBinary } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { Cluster_DiscoveryType, type Cluster } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import type { FilterChain } from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import { HttpConnectionManagerSchema } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { Resource } from '../../core/resource.js';
import { TypeUrl } from '../../core/type-urls.js';

const HCM_TYPE_URL = `type.googleapis.com/${HttpConnectionManagerSchema.typeName}`;
const refsCache = new WeakMap<Resource, readonly string[]>();

/**
 * Names of the child resources a parent resource points at: the ClusterLoadAssignment an EDS
 * cluster loads, the RouteConfigurations a listener's HTTP connection managers load over RDS.
 * When the parent changes, Envoy re-creates the child subscription and waits for the child again
 * (cluster and listener warming), so the server re-sends these. Memoized per (immutable) resource.
 */
export function childNames(resource: Resource): readonly string[] {
  let names = refsCache.get(resource);
  if (!names) {
    names = computeChildNames(resource);
    refsCache.set(resource, names);
  }
  return names;
}

function computeChildNames(resource: Resource): readonly string[] {
  try {
    if (resource.typeUrl === TypeUrl.Cluster) return clusterChildren(resource.message as Cluster);
    if (resource.typeUrl === TypeUrl.Listener) return listenerChildren(resource.message as Listener);
  } catch {
    // An undecodable embedded config: the client will NACK it anyway; there is nothing to re-send.
  }
  return [];
}

function clusterChildren(c: Cluster): readonly string[] {
  const t = c.clusterDiscoveryType;
  if (t.case !== 'type' || t.value !== Cluster_DiscoveryType.EDS) return [];
  return [c.edsClusterConfig?.serviceName || c.name];
}

function listenerChildren(l: Listener): readonly string[] {
  const out = new Set<string>();
  const fromAny = (any: Any | undefined) => {
    if (!any || any.typeUrl !== HCM_TYPE_URL) return;
    const hcm = fromBinary(HttpConnectionManagerSchema, any.value);
    if (hcm.routeSpecifier.case === 'rds' && hcm.routeSpecifier.value.routeConfigName) {
      out.add(hcm.routeSpecifier.value.routeConfigName);
    }
  };
  fromAny(l.apiListener?.apiListener);
  const chains: FilterChain[] = [...l.filterChains];
  if (l.defaultFilterChain) chains.push(l.defaultFilterChain);
  for (const chain of chains) {
    for (const f of chain.filters) if (f.configType.case === 'typedConfig') fromAny(f.configType.value);
  }
  return [...out];
}
