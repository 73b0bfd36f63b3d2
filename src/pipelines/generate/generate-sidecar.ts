import type { ResourceMessage } from '../../core/resource.js';
import { isL7 } from './envoy-values.js';
import { generateUpstream, proxyConfigOf, type GenerateContext } from './generate-upstream.js';
import type { SidecarInput } from './generation-input.js';
import { intentionsHttpRbac, intentionsRbac } from './intentions-rbac.js';
import { DEFAULT_LOCAL_CONNECT_TIMEOUT_MS } from './names.js';
import { buildRouteConfiguration } from './route-configuration.js';
import { buildLocalAppCluster, buildPublicListener, buildUpstreamListener } from './sidecar-resources.js';
import { dedupeMessages } from './dedupe-messages.js';

/**
 * The whole configuration of an Envoy sidecar (kind handler `connect-proxy`): `public_listener` and
 * `local_app` for the service it fronts, and per upstream its listener, route configuration (L7), clusters
 * and endpoints. Parts shared with other proxies come from the memo cache (the same message objects).
 * An upstream whose chain does not compile is left out (and logged where the chain failed).
 */
export function generateSidecar(ctx: GenerateContext, input: SidecarInput): ResourceMessage[] {
  const { proxy } = input;
  const localService = proxy.Proxy?.DestinationServiceName || proxy.Service;
  const { cache } = ctx;
  const out: ResourceMessage[] = [];
  const intentionIds = input.intentions.map((e) => cache.idOf(e)).join(',');
  out.push(
    cache.memo(proxy, `lds-public|${input.localProtocol}|${intentionIds}|${ctx.intentionsDefaultAllow}`, () => {
      // http-based services: HTTP RBAC in the connection manager (L7 permissions enforced); tcp: network RBAC
      if (isL7(input.localProtocol)) {
        return buildPublicListener(proxy, input.localProtocol, undefined, intentionsHttpRbac(localService, input.intentions, ctx.intentionsDefaultAllow));
      }
      return buildPublicListener(proxy, input.localProtocol, intentionsRbac(localService, input.intentions, ctx.intentionsDefaultAllow).filter);
    }),
  );
  const timeout = proxyConfigOf(ctx, input.proxyDefaults).localConnectTimeoutMs ?? DEFAULT_LOCAL_CONNECT_TIMEOUT_MS;
  out.push(cache.memo(proxy, `cds-local|${input.localProtocol}|${timeout}`, () => buildLocalAppCluster(proxy, input.localProtocol, timeout)));

  for (const u of proxy.Proxy?.Upstreams ?? []) {
    if (u.DestinationType && u.DestinationType !== 'service') continue; // prepared queries: not in rxds
    const upstream = input.upstreams[u.DestinationName];
    const chain = upstream?.chain;
    if (!upstream || !chain) continue;
    const listener = cache.memo(chain, `lds-up|${u.DestinationName}|${u.LocalBindAddress}|${u.LocalBindPort}`, () =>
      buildUpstreamListener(u.DestinationName, u.LocalBindAddress, u.LocalBindPort, chain),
    );
    if (listener) out.push(listener);
    if (isL7(chain.protocol)) {
      out.push(cache.memo(chain, `rds|sidecar|${u.DestinationName}`, () => buildRouteConfiguration(u.DestinationName, ['*'], chain, 'sidecar')));
    }
    const resources = generateUpstream(ctx, upstream, 'sidecar', localService, input.proxyDefaults);
    out.push(...resources.clusters, ...resources.loadAssignments);
  }
  return dedupeMessages(out);
}
