import type { IncomingMessage } from 'node:http';
import type { Route, Router } from '../../core/http/router.js';
import type { AclSource } from '../acl/acl-source.js';
import { ALLOW_ALL, type Authorizer } from '../acl/authorizer.js';
import { permissionDenied, requestAuthorizer, requireAuthenticated } from '../acl/http-guard.js';
import type { RoutePolicy } from './acl-route-policy.js';
import { mayConfigEntry } from './acl-write-check.js';

/** The caller of each request, resolved once per request from its token. */
export interface RequestCallers {
  of(req: IncomingMessage): Authorizer;
}

/** Callers from the ACL source (every caller may do everything without one). */
export function requestCallers(acl: Pick<AclSource, 'authorize'> | undefined): RequestCallers {
  const cache = new WeakMap<IncomingMessage, Authorizer>();
  return {
    of(req) {
      if (!acl) return ALLOW_ALL;
      let authz = cache.get(req);
      if (!authz) {
        authz = requestAuthorizer(acl, req);
        cache.set(req, authz);
      }
      return authz;
    },
  };
}

/**
 * A router whose routes are guarded by `policies` (see acl-route-policy.ts): every route added through it
 * first checks its policy; adding a route that has no policy throws, so no endpoint is ever left open.
 */
export function aclGuardedRouter(router: Router, callers: RequestCallers, policies: Readonly<Record<string, RoutePolicy>>): Router {
  const add = (method: 'get' | 'put' | 'post' | 'delete') => (pattern: string, route: Route): Router => {
    const key = `${method.toUpperCase()} ${pattern}`;
    const policy = policies[key];
    if (!policy) throw new Error(`no ACL policy for ${key}: add it to the route policy table`);
    router[method](pattern, (ctx) => {
      const authz = callers.of(ctx.req);
      requireAuthenticated(authz);
      checkPolicy(authz, policy, ctx.params);
      return route(ctx);
    });
    return guarded;
  };
  const guarded: Router = { get: add('get'), put: add('put'), post: add('post'), delete: add('delete'), handle: router.handle };
  return guarded;
}

function checkPolicy(authz: Authorizer, policy: RoutePolicy, params: Readonly<Record<string, string>>): void {
  switch (policy.kind) {
    case 'operator':
      if (!(policy.access === 'read' ? authz.operatorRead() : authz.operatorWrite())) {
        throw permissionDenied(`${authz.label} lacks operator ${policy.access}`);
      }
      return;
    case 'service': {
      const name = params[policy.param] ?? '';
      if (!(policy.access === 'read' ? authz.serviceRead(name) : authz.serviceWrite(name))) {
        throw permissionDenied(`${authz.label} lacks service ${policy.access} on ${JSON.stringify(name)}`);
      }
      return;
    }
    case 'config-entry': {
      const kind = params['kind'] ?? '';
      const name = params['name'] ?? '';
      if (!mayConfigEntry(authz, kind, name, policy.access)) {
        throw permissionDenied(`${authz.label} may not ${policy.access} config entry ${kind}/${name}`);
      }
      return;
    }
    case 'checked-by-route':
      return;
  }
}
