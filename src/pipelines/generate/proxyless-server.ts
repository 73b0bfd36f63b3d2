import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { create } from '@bufbuild/protobuf';
import { RBAC_Action } from '../../gen/envoy/config/rbac/v3/rbac_pb.js';
import { ListenerSchema, type Listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { RBACSchema as HttpRbacSchema } from '../../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { RBACSchema as NetworkRbacSchema } from '../../gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { HttpConnectionManagerSchema, HttpFilterSchema, type HttpFilter } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { ServiceIntentionsEntry } from '../../sources/config-entries/service-intentions.js';
import { routerFilter, socketAddress, typed } from './envoy-values.js';
import { intentionsRbac } from './intentions-rbac.js';
import { Filter, HTTP_RBAC_FILTER } from './names.js';
import { proxylessDownstreamTls } from './proxyless-tls.js';

/**
 * What a proxyless gRPC server's listener is made of: the address it listens on (from the listener name
 * it asked for) and the service registered there with its intentions. `service` undefined: no instance is
 * registered at that address and port (the listener still serves, with the default policy only).
 */
export interface ServerInput {
  readonly address: string;
  readonly port: number;
  readonly service: string | undefined;
  /** service-intentions for the service, and the wildcard `*` entry. */
  readonly intentions: readonly ServiceIntentionsEntry[];
}

/**
 * The address a grpc-js-xds server's listener name carries, or undefined if the name is a client target.
 * gRPC names it by the bootstrap's `server_listener_resource_name_template` with `%s` replaced by
 * `host:port`; rxds reads the `xds.resource.listening_address` parameter, as in gRPC's documented template
 * `grpc/server?xds.resource.listening_address=%s`.
 */
export function serverListenerAddress(name: string): { address: string; port: number } | undefined {
  const m = /[?&]xds\.resource\.listening_address=([^&]+)/.exec(name);
  if (!m) return undefined;
  let hostPort: string;
  try {
    hostPort = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  const hp = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(hostPort);
  if (!hp) return undefined;
  const port = Number(hp[2]);
  if (port < 1 || port > 65535) return undefined;
  return { address: hp[1]!, port };
}

/**
 * The inbound Listener of a grpc-js-xds `XdsServer`, named as it asked: its address, one filter chain whose
 * HTTP connection manager has the route inline (every request served by the server itself: a non-forwarding
 * route) and the service's intentions as an HTTP RBAC filter before the router, matching callers by the
 * SPIFFE ID of their client certificate (precedence and default as for sidecars, see intentions-rbac.ts).
 * With `mtls` the chain requires client certificates from the bootstrap's certificate provider.
 */
export function buildServerListener(name: string, input: ServerInput, defaultAllow: boolean, mtls: boolean): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: input.service ?? 'proxyless_server',
    routeSpecifier: {
      case: 'routeConfig',
      value: {
        name: `${input.service ?? 'proxyless_server'}:inbound`,
        virtualHosts: [{ name: 'inbound', domains: ['*'], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'nonForwardingAction', value: {} } }] }],
      },
    },
    httpFilters: [rbacHttpFilter(input, defaultAllow), routerFilter()],
  });
  return create(ListenerSchema, {
    name,
    address: socketAddress(input.address, input.port),
    filterChains: [
      {
        name: 'inbound',
        filters: [{ name: Filter.httpConnectionManager, configType: { case: 'typedConfig', value: typed(HttpConnectionManagerSchema, hcm) } }],
        ...(mtls ? { transportSocket: proxylessDownstreamTls() } : {}),
      },
    ],
  });
}

/** The intentions of the server's service as HTTP RBAC (no service registered there: the default alone). */
function rbacHttpFilter(input: ServerInput, defaultAllow: boolean): HttpFilter {
  const network = input.service === undefined ? undefined : intentionsRbac(input.service, input.intentions, defaultAllow).filter;
  const unpacked = network?.configType.case === 'typedConfig' ? anyUnpack(network.configType.value, NetworkRbacSchema) : undefined;
  // No rules: a DENY with no policies denies nobody; default deny: an ALLOW with no policies allows nobody.
  const rules = unpacked?.rules ?? { action: defaultAllow ? RBAC_Action.DENY : RBAC_Action.ALLOW, policies: {} };
  const rbac = create(HttpRbacSchema, { rules });
  return create(HttpFilterSchema, { name: HTTP_RBAC_FILTER, configType: { case: 'typedConfig', value: typed(HttpRbacSchema, rbac) } });
}
