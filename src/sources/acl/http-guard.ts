import type { IncomingMessage } from 'node:http';
import { forbidden, type HttpError } from '../../core/http/http-error.js';
import type { AclSource } from './acl-source.js';
import type { Authorizer } from './authorizer.js';
import type { ServiceRecord } from '../store/catalog-state.js';
import { tokenFromHttp } from './request-token.js';

/** The caller of an HTTP request, from its token (header, bearer or `?token=`). */
export function requestAuthorizer(acl: Pick<AclSource, 'authorize'>, req: IncomingMessage): Authorizer {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  return acl.authorize(tokenFromHttp(req.headers, query));
}

/** A 403 `Permission denied: ...`, as the HTTP API answers a refused call. */
export function permissionDenied(why: string): HttpError {
  return forbidden(`Permission denied: ${why}`);
}

/** Throws 403 unless the caller is authenticated (a known token, or default policy allow). */
export function requireAuthenticated(authz: Authorizer): void {
  if (!authz.authenticated) throw permissionDenied(authz.refusal ?? 'a token is required');
}

/**
 * An `authorize(req)` hook for endpoints that need operator read or write (the admin API's
 * `/v1/rxds/proxies`, `/metrics`): pass it to createAdminApi / createMetricsRoute.
 */
export function operatorGuard(acl: Pick<AclSource, 'authorize'>, access: 'read' | 'write'): (req: IncomingMessage) => void {
  return (req) => {
    const authz = requestAuthorizer(acl, req);
    requireAuthenticated(authz);
    const ok = access === 'read' ? authz.operatorRead() : authz.operatorWrite();
    if (!ok) throw permissionDenied(`${authz.label} lacks operator ${access}`);
  };
}

/**
 * An `authorizeProxy(req, nodeId)` hook for the admin API's per-proxy endpoints (`/v1/rxds/proxies/:id`,
 * its `/config` and `/watch`): operator read sees every proxy; a token with service write on a
 * connect-proxy's service and its destination sees that proxy, as it may fetch the proxy's xDS config
 * (CONTRACT section 5). `registered` looks a node id up in the catalog.
 */
export function proxyGuard(
  acl: Pick<AclSource, 'authorize'>,
  registered: (nodeId: string) => ServiceRecord | undefined,
): (req: IncomingMessage, nodeId: string) => void {
  return (req, nodeId) => {
    const authz = requestAuthorizer(acl, req);
    requireAuthenticated(authz);
    if (authz.operatorRead()) return;
    const proxy = registered(nodeId);
    const dest = proxy?.Kind === 'connect-proxy' ? proxy.Proxy?.DestinationServiceName : undefined;
    if (proxy && dest !== undefined && authz.serviceWrite(proxy.Service) && authz.serviceWrite(dest)) return;
    throw permissionDenied(
      dest === undefined
        ? `${authz.label} lacks operator read (${JSON.stringify(nodeId)} is not a registered connect-proxy)`
        : `${authz.label} lacks operator read and service write on ${JSON.stringify(dest)}, the service of ${JSON.stringify(nodeId)}`,
    );
  };
}
