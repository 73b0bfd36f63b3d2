import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { HeaderValueOption_HeaderAppendAction } from '../../gen/envoy/config/core/v3/base_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../gen/envoy/config/route/v3/route_pb.js';
import {
  RouteSchema,
  type HeaderMatcherSchema,
  type QueryParameterMatcherSchema,
  type RetryPolicySchema,
  type RouteActionSchema,
  type RouteAction_HashPolicySchema,
  type RouteMatchSchema,
} from '../../gen/envoy/config/route/v3/route_components_pb.js';
import type { HeaderValueOptionSchema } from '../../gen/envoy/config/core/v3/base_pb.js';
import type { StringMatcherSchema } from '../../gen/envoy/type/matcher/v3/string_pb.js';
import type {
  ChainRoute,
  CompiledChain,
  HashPolicy,
  HeaderMatch,
  HeaderModifiers,
  ResolverNode,
  RouteDestination,
  RouteMatch,
} from '../chain/compiled-chain.js';
import { durationOf } from './envoy-values.js';
import type { Flavor } from './generation-input.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };
type RouteInit = MessageInitShape<typeof RouteSchema>;
type ActionInit = Writable<MessageInitShape<typeof RouteActionSchema>>;
type MatchInit = Writable<MessageInitShape<typeof RouteMatchSchema>>;
type HeaderMatcherInit = MessageInitShape<typeof HeaderMatcherSchema>;
type QueryMatcherInit = MessageInitShape<typeof QueryParameterMatcherSchema>;
type StringMatcherInit = MessageInitShape<typeof StringMatcherSchema>;
type RetryPolicyInit = MessageInitShape<typeof RetryPolicySchema>;
type HashPolicyInit = MessageInitShape<typeof RouteAction_HashPolicySchema>;
type HeaderValueInit = MessageInitShape<typeof HeaderValueOptionSchema>;

/**
 * The RouteConfiguration of an L7 upstream, from its compiled chain: the router's routes in order (the
 * last one the catch-all), each to a resolver's cluster or a splitter's weighted clusters (weights in
 * hundredths of a percent), with the destination's prefix rewrite, timeout, retries and header changes.
 * An Envoy sidecar gets one virtual host for every domain (`*`), a proxyless gRPC client one whose domain
 * is the target it asked for; request timeouts are `timeout` for Envoy and `max_stream_duration` for gRPC.
 */
export function buildRouteConfiguration(name: string, domains: readonly string[], chain: CompiledChain, flavor: Flavor): RouteConfiguration {
  const start = chain.nodes[chain.startNode];
  const chainRoutes: readonly ChainRoute[] =
    start?.type === 'router'
      ? start.routes
      : [{ match: { pathPrefix: '/', headers: [], queryParams: [], methods: [] }, next: chain.startNode, destination: NO_DESTINATION }];
  const routes = chainRoutes.map((r) => create(RouteSchema, buildRoute(r, chain, flavor)));
  return create(RouteConfigurationSchema, {
    name,
    virtualHosts: [{ name: chain.serviceName, domains: [...domains], routes }],
    validateClusters: false,
  });
}

const NO_DESTINATION: RouteDestination = { retryOnConnectFailure: false, retryOnStatusCodes: [], retryOn: [] };

function buildRoute(route: ChainRoute, chain: CompiledChain, flavor: Flavor): RouteInit {
  const next = chain.nodes[route.next];
  const action: ActionInit = {};
  let resolver: ResolverNode | undefined;
  if (next?.type === 'resolver') {
    resolver = next;
    action.clusterSpecifier = { case: 'cluster', value: chain.targets[next.target]!.sni };
  } else if (next?.type === 'splitter') {
    action.clusterSpecifier = {
      case: 'weightedClusters',
      value: {
        clusters: next.splits.map((s) => {
          const r = chain.nodes[s.next];
          const sni = r?.type === 'resolver' ? chain.targets[r.target]!.sni : s.next;
          return { name: sni, weight: Math.round(s.weight * 100), ...headerChanges(s.requestHeaders, s.responseHeaders) };
        }),
      },
    };
  }
  const d = route.destination;
  if (d.prefixRewrite !== undefined) action.prefixRewrite = d.prefixRewrite;
  const timeoutMs = d.requestTimeoutMs ?? resolver?.requestTimeoutMs;
  if (timeoutMs !== undefined) {
    if (flavor === 'proxyless') action.maxStreamDuration = { maxStreamDuration: durationOf(timeoutMs) };
    else action.timeout = durationOf(timeoutMs);
  }
  if (d.idleTimeoutMs !== undefined && flavor === 'sidecar') action.idleTimeout = durationOf(d.idleTimeoutMs);
  const retry = retryPolicy(d);
  if (retry) action.retryPolicy = retry;
  const hash = (resolver?.loadBalancer?.hashPolicies ?? []).map(hashPolicy).filter((h): h is HashPolicyInit => h !== undefined);
  if (hash.length > 0) action.hashPolicy = hash;
  return {
    match: routeMatch(route.match),
    action: { case: 'route', value: action },
    ...headerChanges(d.requestHeaders, d.responseHeaders),
  };
}

function routeMatch(m: RouteMatch): MatchInit {
  const out: MatchInit = {};
  if (m.pathExact !== undefined) out.pathSpecifier = { case: 'path', value: m.pathExact };
  else if (m.pathRegex !== undefined) out.pathSpecifier = { case: 'safeRegex', value: { regex: m.pathRegex } };
  else out.pathSpecifier = { case: 'prefix', value: m.pathPrefix ?? '/' };
  const headers: HeaderMatcherInit[] = m.headers.map(headerMatcher);
  if (m.methods.length > 0) {
    headers.push({ name: ':method', headerMatchSpecifier: { case: 'stringMatch', value: { matchPattern: { case: 'safeRegex', value: { regex: m.methods.join('|') } } } } });
  }
  if (headers.length > 0) out.headers = headers;
  if (m.queryParams.length > 0) {
    out.queryParameters = m.queryParams.map((q): QueryMatcherInit => {
      if (q.present) return { name: q.name, queryParameterMatchSpecifier: { case: 'presentMatch', value: true } };
      const value: StringMatcherInit =
        q.regex !== undefined ? { matchPattern: { case: 'safeRegex', value: { regex: q.regex } } } : { matchPattern: { case: 'exact', value: q.exact ?? '' } };
      return { name: q.name, queryParameterMatchSpecifier: { case: 'stringMatch', value } };
    });
  }
  return out;
}

function headerMatcher(h: HeaderMatch): HeaderMatcherInit {
  const base = { name: h.name, invertMatch: h.invert };
  if (h.present) return { ...base, headerMatchSpecifier: { case: 'presentMatch', value: true } };
  const ignoreCase = h.ignoreCase === true;
  let value: StringMatcherInit;
  if (h.exact !== undefined) value = { matchPattern: { case: 'exact', value: h.exact }, ignoreCase };
  else if (h.prefix !== undefined) value = { matchPattern: { case: 'prefix', value: h.prefix }, ignoreCase };
  else if (h.suffix !== undefined) value = { matchPattern: { case: 'suffix', value: h.suffix }, ignoreCase };
  else if (h.contains !== undefined) value = { matchPattern: { case: 'contains', value: h.contains }, ignoreCase };
  else value = { matchPattern: { case: 'safeRegex', value: { regex: h.regex ?? '.*' } } };
  return { ...base, headerMatchSpecifier: { case: 'stringMatch', value } };
}

/** Consul's retry rules: connect failures, the listed conditions and status codes; NumRetries, else 1. */
function retryPolicy(d: RouteDestination): RetryPolicyInit | undefined {
  const on: string[] = [];
  if (d.retryOnConnectFailure) on.push('connect-failure');
  for (const c of d.retryOn) if (!on.includes(c)) on.push(c);
  if (d.retryOnStatusCodes.length > 0 && !on.includes('retriable-status-codes')) on.push('retriable-status-codes');
  if (on.length === 0 && !(d.numRetries && d.numRetries > 0)) return undefined;
  return {
    ...(on.length > 0 ? { retryOn: on.join(',') } : {}),
    numRetries: d.numRetries && d.numRetries > 0 ? d.numRetries : 1,
    ...(d.retryOnStatusCodes.length > 0 ? { retriableStatusCodes: [...d.retryOnStatusCodes] } : {}),
  };
}

function hashPolicy(h: HashPolicy): HashPolicyInit | undefined {
  const terminal = h.terminal === true;
  if (h.sourceIp) return { terminal, policySpecifier: { case: 'connectionProperties', value: { sourceIp: true } } };
  if (!h.fieldValue) return undefined;
  switch (h.field) {
    case 'header':
      return { terminal, policySpecifier: { case: 'header', value: { headerName: h.fieldValue } } };
    case 'query_parameter':
      return { terminal, policySpecifier: { case: 'queryParameter', value: { name: h.fieldValue } } };
    case 'cookie': {
      const c = h.cookieConfig;
      // A session cookie has a zero TTL; otherwise the TTL given, if any.
      const ttlMs = c?.session ? 0 : c?.ttlMs;
      return {
        terminal,
        policySpecifier: {
          case: 'cookie',
          value: { name: h.fieldValue, ...(c?.path ? { path: c.path } : {}), ...(ttlMs !== undefined ? { ttl: durationOf(ttlMs) } : {}) },
        },
      };
    }
    default:
      return undefined;
  }
}

function headerValues(values: Readonly<Record<string, string>>, append: boolean): HeaderValueInit[] {
  return Object.keys(values)
    .sort()
    .map((key) => ({
      header: { key, value: values[key]! },
      appendAction: append ? HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD : HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
    }));
}

interface HeaderChanges {
  requestHeadersToAdd?: HeaderValueInit[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueInit[];
  responseHeadersToRemove?: string[];
}

function headerChanges(request?: HeaderModifiers, response?: HeaderModifiers): HeaderChanges {
  const out: HeaderChanges = {};
  if (request) {
    const add = [...headerValues(request.add, true), ...headerValues(request.set, false)];
    if (add.length > 0) out.requestHeadersToAdd = add;
    if (request.remove.length > 0) out.requestHeadersToRemove = [...request.remove];
  }
  if (response) {
    const add = [...headerValues(response.add, true), ...headerValues(response.set, false)];
    if (add.length > 0) out.responseHeadersToAdd = add;
    if (response.remove.length > 0) out.responseHeadersToRemove = [...response.remove];
  }
  return out;
}
