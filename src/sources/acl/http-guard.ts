import type { IncomingMessage } from 'node:http';
import { forbidden, type HttpError } from '../../core/http/http-error.js';
import type { AclSource } from './acl-source.js';
import type { Authorizer } from './authorizer.js';
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
