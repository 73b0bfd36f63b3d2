import { durationMs } from '../../sources/config-entries/duration.js';
import type { HeaderMatch as HeaderMatchEntry } from '../../sources/config-entries/common.js';
import type { RouteDestination as DestinationEntry, ServiceRoute } from '../../sources/config-entries/service-router.js';
import type { HeaderMatch, HeaderModifiers, QueryMatch, RouteDestination, RouteMatch } from './compiled-chain.js';

/** A router route's Match in chain form; a route naming no path matches every path (prefix '/'). */
export function toRouteMatch(route: ServiceRoute | undefined): RouteMatch {
  const http = route?.Match?.HTTP;
  const path = http?.PathExact
    ? { pathExact: http.PathExact }
    : http?.PathPrefix
      ? { pathPrefix: http.PathPrefix }
      : http?.PathRegex
        ? { pathRegex: http.PathRegex }
        : { pathPrefix: '/' };
  return {
    ...path,
    headers: (http?.Header ?? []).map(toHeaderMatch),
    queryParams: (http?.QueryParam ?? []).map(toQueryMatch),
    methods: [...(http?.Methods ?? [])],
  };
}

function toHeaderMatch(h: HeaderMatchEntry): HeaderMatch {
  const value = h.Exact
    ? { exact: h.Exact }
    : h.Prefix
      ? { prefix: h.Prefix }
      : h.Suffix
        ? { suffix: h.Suffix }
        : h.Contains
          ? { contains: h.Contains }
          : h.Regex
            ? { regex: h.Regex }
            : { present: true };
  const caseless = h.IgnoreCase && !('regex' in value) && !('present' in value);
  return { name: h.Name, ...value, ...(caseless ? { ignoreCase: true } : {}), invert: h.Invert ?? false };
}

function toQueryMatch(q: { Name: string; Present?: boolean | undefined; Exact?: string | undefined; Regex?: string | undefined }): QueryMatch {
  const value = q.Exact ? { exact: q.Exact } : q.Regex ? { regex: q.Regex } : { present: true };
  return { name: q.Name, ...value };
}

/** A route's Destination settings in chain form (where it goes is the route's `next`). */
export function toRouteDestination(d: DestinationEntry | undefined): RouteDestination {
  const requestTimeoutMs = durationMs(d?.RequestTimeout);
  const idleTimeoutMs = durationMs(d?.IdleTimeout);
  const requestHeaders = toHeaderModifiers(d?.RequestHeaders);
  const responseHeaders = toHeaderModifiers(d?.ResponseHeaders);
  return {
    ...(d?.PrefixRewrite ? { prefixRewrite: d.PrefixRewrite } : {}),
    ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
    ...(idleTimeoutMs ? { idleTimeoutMs } : {}),
    ...(d?.NumRetries ? { numRetries: d.NumRetries } : {}),
    retryOnConnectFailure: d?.RetryOnConnectFailure ?? false,
    retryOnStatusCodes: [...(d?.RetryOnStatusCodes ?? [])],
    retryOn: [...(d?.RetryOn ?? [])],
    ...(requestHeaders ? { requestHeaders } : {}),
    ...(responseHeaders ? { responseHeaders } : {}),
  };
}

type ModifiersEntry = DestinationEntry['RequestHeaders'];

/** Header modifications with sorted keys; undefined when there are none. */
export function toHeaderModifiers(m: ModifiersEntry): HeaderModifiers | undefined {
  if (!m) return undefined;
  const sorted = (r: Readonly<Record<string, string>> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(r ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const out = { add: sorted(m.Add), set: sorted(m.Set), remove: [...(m.Remove ?? [])] };
  if (Object.keys(out.add).length === 0 && Object.keys(out.set).length === 0 && out.remove.length === 0) return undefined;
  return out;
}
