import { createRegistry, type DescFile, type Registry } from '@bufbuild/protobuf';
import { file_envoy_config_bootstrap_v3_bootstrap } from '../../gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { file_envoy_data_accesslog_v3_accesslog } from '../../gen/envoy/data/accesslog/v3/accesslog_pb.js';
import { file_envoy_extensions_filters_http_rbac_v3_rbac } from '../../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { file_envoy_extensions_filters_http_router_v3_router } from '../../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { file_envoy_extensions_filters_network_rbac_v3_rbac } from '../../gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy } from '../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_secret } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_tls } from '../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from '../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { file_envoy_service_cluster_v3_cds } from '../../gen/envoy/service/cluster/v3/cds_pb.js';
import { file_envoy_service_discovery_v3_ads } from '../../gen/envoy/service/discovery/v3/ads_pb.js';
import { file_envoy_service_endpoint_v3_eds } from '../../gen/envoy/service/endpoint/v3/eds_pb.js';
import { file_envoy_service_listener_v3_lds } from '../../gen/envoy/service/listener/v3/lds_pb.js';
import { file_envoy_service_route_v3_rds } from '../../gen/envoy/service/route/v3/rds_pb.js';
import { file_envoy_service_secret_v3_sds } from '../../gen/envoy/service/secret/v3/sds_pb.js';
import { file_xds_core_v3_collection_entry } from '../../gen/xds/core/v3/collection_entry_pb.js';

/**
 * The generated files whose types can appear inside an `Any` of Envoy config (typed_config of filters,
 * transport sockets, protocol options...) and, through their imports, every other generated Envoy type.
 */
const ROOTS: readonly DescFile[] = [
  file_envoy_config_bootstrap_v3_bootstrap,
  file_envoy_data_accesslog_v3_accesslog,
  file_envoy_extensions_filters_http_rbac_v3_rbac,
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_filters_network_rbac_v3_rbac,
  file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  file_envoy_extensions_transport_sockets_tls_v3_tls,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_service_cluster_v3_cds,
  file_envoy_service_discovery_v3_ads,
  file_envoy_service_endpoint_v3_eds,
  file_envoy_service_listener_v3_lds,
  file_envoy_service_route_v3_rds,
  file_envoy_service_secret_v3_sds,
  file_xds_core_v3_collection_entry,
];

/** The files and, transitively, the files they import. */
export function withDependencies(roots: Iterable<DescFile>): DescFile[] {
  const seen = new Set<DescFile>();
  const visit = (f: DescFile): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const d of f.dependencies) visit(d);
  };
  for (const r of roots) visit(r);
  return [...seen];
}

/**
 * Every generated Envoy, xDS and UDPA type (and the well-known types they use): what the validator
 * unpacks `google.protobuf.Any` values with. Immutable.
 */
export const envoyTypeRegistry: Registry = createRegistry(...withDependencies(ROOTS));
