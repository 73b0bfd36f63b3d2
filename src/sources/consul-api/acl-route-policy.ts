import type { Access } from '../acl/authorizer.js';

/**
 * What an endpoint requires of the caller's token, checked before the route runs. Every route needs an
 * authenticated caller (a known token, or default policy allow); then:
 * - `operator`: operator read/write;
 * - `service`: read/write on the service named by a path parameter;
 * - `config-entry`: read/write on the entry `:kind/:name` (service-* entries of S: service access on S;
 *   proxy-defaults: operator write, readable by any authenticated caller);
 * - `checked-by-route`: the route checks what it touches itself: lists are filtered to what the token may
 *   read, writes check every record they change (see acl-write-check.ts).
 */
export type RoutePolicy =
  | { readonly kind: 'operator'; readonly access: Access }
  | { readonly kind: 'service'; readonly param: string; readonly access: Access }
  | { readonly kind: 'config-entry'; readonly access: Access }
  | { readonly kind: 'checked-by-route'; readonly how: string };

/** Key: `METHOD pattern` exactly as the route is added. A route missing from this table fails at startup. */
export const CONSUL_API_ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  'PUT /v1/agent/service/register': { kind: 'checked-by-route', how: 'service write on the service (and on the destination of a proxy), and on any record it replaces' },
  'PUT /v1/agent/service/deregister/*id': { kind: 'checked-by-route', how: 'service write on the service removed' },
  'PUT /v1/agent/check/pass/*id': { kind: 'checked-by-route', how: "service write on the check's service (operator write for node checks)" },
  'PUT /v1/agent/check/warn/*id': { kind: 'checked-by-route', how: "service write on the check's service (operator write for node checks)" },
  'PUT /v1/agent/check/fail/*id': { kind: 'checked-by-route', how: "service write on the check's service (operator write for node checks)" },
  'PUT /v1/agent/check/update/*id': { kind: 'checked-by-route', how: "service write on the check's service (operator write for node checks)" },
  'GET /v1/agent/services': { kind: 'checked-by-route', how: 'filtered to services the token may read' },
  'GET /v1/agent/checks': { kind: 'checked-by-route', how: 'filtered to checks of services the token may read' },
  'GET /v1/catalog/services': { kind: 'checked-by-route', how: 'filtered to services the token may read' },
  'GET /v1/catalog/service/:name': { kind: 'service', param: 'name', access: 'read' },
  'GET /v1/health/service/:name': { kind: 'service', param: 'name', access: 'read' },
  'PUT /v1/config': { kind: 'checked-by-route', how: 'write on the entry (service write on its service; proxy-defaults: operator write)' },
  'GET /v1/config/:kind': { kind: 'checked-by-route', how: 'filtered to entries the token may read' },
  'GET /v1/config/:kind/:name': { kind: 'config-entry', access: 'read' },
  'DELETE /v1/config/:kind/:name': { kind: 'config-entry', access: 'write' },
  'GET /v1/connect/ca/roots': { kind: 'checked-by-route', how: 'any authenticated caller (public certificates)' },
  'GET /v1/agent/connect/ca/leaf/:service': { kind: 'service', param: 'service', access: 'write' },
  'GET /v1/rxds/sources': { kind: 'operator', access: 'read' },
};
