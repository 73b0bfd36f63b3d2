import type { ServiceRecord } from '../store/catalog-state.js';
import type { Authorizer } from './authorizer.js';

const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';

/** Type URL -> subscribed names ('*' = wildcard), as the xDS server reports a stream's subscriptions. */
export type NodeSubscriptions = ReadonlyMap<string, readonly string[] | '*'>;

/** The service a proxyless target names (`backend`, `backend:50051`), or undefined for other names. */
export function proxylessTargetService(name: string): string | undefined {
  const m = /^([^:/?#\s]+)(?::\d{1,5})?$/.exec(name);
  return m ? m[1] : undefined;
}

/**
 * May this caller receive the xDS configuration of node `nodeId`? Undefined if so, else why not.
 *
 * - A node whose id is a registered `connect-proxy` (an Envoy sidecar) gets its service's certificate and
 *   private key over SDS: it needs write on the proxy's service and on its destination service (a token
 *   for web may stream `web-sidecar-proxy`; a node claiming api's sidecar id is refused for it).
 * - Any other node is a proxyless client: it needs read on every service it names as a listener target
 *   (`xds:///backend` -> `backend`). A wildcard listener subscription, or a listener name that is not a
 *   target (an `XdsServer` listener template), names services it cannot be checked against: it needs
 *   operator read. `subscriptions` undefined: before the first request (only the sidecar rule applies).
 */
export function nodeAccess(
  authz: Authorizer,
  nodeId: string,
  registered: ServiceRecord | undefined,
  subscriptions?: NodeSubscriptions,
): string | undefined {
  if (!authz.authenticated) return authz.refusal ?? 'a token is required';
  if (registered?.Kind === 'connect-proxy') {
    const dest = registered.Proxy?.DestinationServiceName ?? '';
    if (!authz.serviceWrite(registered.Service) || !authz.serviceWrite(dest)) {
      return `${authz.label} may not receive the configuration of ${JSON.stringify(nodeId)}, a proxy of service ${JSON.stringify(dest)} (needs service write on it)`;
    }
    return undefined;
  }
  if (authz.operatorRead()) return undefined;
  const listeners = subscriptions?.get(LISTENER);
  if (listeners === undefined) return undefined;
  if (listeners === '*') {
    return `${authz.label} may not subscribe to every listener: ${JSON.stringify(nodeId)} is not a registered connect-proxy (register it, or name targets)`;
  }
  for (const name of listeners) {
    const service = proxylessTargetService(name);
    if (service === undefined) return `${authz.label} may not subscribe to listener ${JSON.stringify(name)} (needs operator read)`;
    if (!authz.serviceRead(service)) return `${authz.label} may not read service ${JSON.stringify(service)} (listener ${JSON.stringify(name)})`;
  }
  return undefined;
}
