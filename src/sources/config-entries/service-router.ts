import { z } from 'zod';
import { commonFields, durationSchema, headerMatchSchema, headerModifiersSchema, validateHeaderMatch, validateHttpMatch, type Issue } from './common.js';

const queryParamMatchSchema = z.strictObject({
  Name: z.string(),
  Present: z.boolean().optional(),
  Exact: z.string().optional(),
  Regex: z.string().optional(),
});

export const routeHttpMatchSchema = z.strictObject({
  PathExact: z.string().optional(),
  PathPrefix: z.string().optional(),
  PathRegex: z.string().optional(),
  Header: z.array(headerMatchSchema).optional(),
  QueryParam: z.array(queryParamMatchSchema).optional(),
  Methods: z.array(z.string()).optional(),
});

/** Envoy retry conditions Consul accepts in `RetryOn`. */
export const RETRY_ON: ReadonlySet<string> = new Set([
  '5xx', 'gateway-error', 'reset', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

export const routeDestinationSchema = z.strictObject({
  Service: z.string().optional(),
  ServiceSubset: z.string().optional(),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
  PrefixRewrite: z.string().optional(),
  RequestTimeout: durationSchema.optional(),
  IdleTimeout: durationSchema.optional(),
  NumRetries: z.number().int().min(0).max(4294967295).optional(),
  RetryOnConnectFailure: z.boolean().optional(),
  RetryOn: z.array(z.string()).optional(),
  RetryOnStatusCodes: z.array(z.number().int().min(100).max(599)).optional(),
  RequestHeaders: headerModifiersSchema.optional(),
  ResponseHeaders: headerModifiersSchema.optional(),
});

export const serviceRouteSchema = z.strictObject({
  Match: z.strictObject({ HTTP: routeHttpMatchSchema.optional() }).optional(),
  Destination: routeDestinationSchema.optional(),
});

/** `service-router`: L7 routes of one service, matched in order; the first match wins. */
export const serviceRouterSchema = z.strictObject({
  Kind: z.literal('service-router'),
  Name: z.string(),
  ...commonFields,
  Routes: z.array(serviceRouteSchema).optional(),
});

export type ServiceRouterEntry = Omit<z.output<typeof serviceRouterSchema>, 'CreateIndex' | 'ModifyIndex' | 'Hash'>;
export type ServiceRoute = z.output<typeof serviceRouteSchema>;
export type RouteDestination = z.output<typeof routeDestinationSchema>;

/**
 * Consul's rules for routers, plus one of rxds: every route names a Destination (an empty object routes to the
 * router's own service, as Consul's default does). `Destination.Service` defaults to the router's name.
 */
export function validateServiceRouter(e: ServiceRouterEntry): Issue | undefined {
  if (e.Name === '') return { path: ['Name'], message: 'is required' };
  for (const [i, route] of (e.Routes ?? []).entries()) {
    const at = ['Routes', i];
    const http = route.Match?.HTTP;
    let eligibleForPrefixRewrite = false;
    if (http) {
      eligibleForPrefixRewrite = !!http.PathExact || !!http.PathPrefix;
      const issue = validateHttpMatch(http, [...at, 'Match', 'HTTP']);
      if (issue) return issue;
      for (const [j, q] of (http.QueryParam ?? []).entries()) {
        const qi = validateHeaderMatch(q, [...at, 'Match', 'HTTP', 'QueryParam', j], false);
        if (qi) return qi;
      }
    }
    const d = route.Destination;
    if (!d) return { path: [...at, 'Destination'], message: 'is required (a route must lead to a service)' };
    if (d.PrefixRewrite && !eligibleForPrefixRewrite) {
      return {
        path: [...at, 'Destination', 'PrefixRewrite'],
        message: 'cannot be used without configuring either PathExact or PathPrefix',
      };
    }
    for (const [j, r] of (d.RetryOn ?? []).entries()) {
      if (!RETRY_ON.has(r)) {
        return { path: [...at, 'Destination', 'RetryOn', j], message: `invalid retry condition "${r}" (one of ${[...RETRY_ON].join(', ')})` };
      }
    }
  }
  return undefined;
}
