import { create } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { adsConfigSource, routerFilter, typed } from './envoy-values.js';

/**
 * A proxyless gRPC client's listener for the target it dialled (`xds:///<target>`): named as the target,
 * an API listener whose HTTP connection manager takes its routes (named as the target too) over ADS, with
 * the router filter last.
 */
export function buildApiListener(target: string): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: target,
    routeSpecifier: { case: 'rds', value: { configSource: adsConfigSource(), routeConfigName: target } },
    httpFilters: [routerFilter()],
  });
  return create(ListenerSchema, { name: target, apiListener: { apiListener: typed(HttpConnectionManagerSchema, hcm) } });
}
