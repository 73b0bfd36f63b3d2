import { create } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema, type HttpFilter } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { ServiceIntentionsEntry } from '../../sources/config-entries/service-intentions.js';
import { routerFilter, socketAddress, typed } from './envoy-values.js';
import { intentionsHttpRbac } from './intentions-rbac.js';
import { Filter } from './names.js';
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

/** The intentions of the server's service as HTTP RBAC, L7 permissions included (no service registered there: the default alone). */
function rbacHttpFilter(input: ServerInput, defaultAllow: boolean): HttpFilter {
  return intentionsHttpRbac(input.service ?? '', input.service === undefined ? [] : input.intentions, defaultAllow, true)!;
}
