import type { FilterInstance } from '../../sources/filter/evaluate-filter.js';

/**
 * The compiled discovery chain of one upstream service, modeled on Consul's CompiledDiscoveryChain: a graph of
 * router, splitter and resolver nodes that ends in targets (a service, maybe a subset of it, in dc1).
 *
 * It is plain data (no class instances, no functions), built with sorted keys, so two compilations of equal
 * inputs are deeply equal and a chain can be compared with jsonEqual or hashed from its JSON.
 *
 * The functions over it live next to this file:
 * - `compileChain(input: ChainInput): CompiledChain` (compile-chain.ts) — throws {@link ChainError} (chain-error.ts);
 * - `chainDependencies(chain): readonly string[]` (chain-dependencies.ts);
 * - `selectTargetInstances(target, instances)` (select-target-instances.ts);
 * - `compiledChain$(serviceName, entries$, options)` (compiled-chain-stream.ts).
 */
import type { ConfigEntry } from '../../sources/config-entries/config-entry.js';

export type Protocol = 'tcp' | 'http' | 'http2' | 'grpc';

export interface CompiledChain {
  /** The upstream asked for. */
  readonly serviceName: string;
  /** The chain's service-defaults Protocol, else proxy-defaults Config.protocol, else 'tcp'. */
  readonly protocol: Protocol;
  /** Key into nodes. */
  readonly startNode: string;
  readonly nodes: Readonly<Record<string, ChainNode>>;
  /** Keyed by target id. */
  readonly targets: Readonly<Record<string, ChainTarget>>;
  /**
   * The config entries (`kind/name` keys, sorted) the compiler consulted, present or absent: creating,
   * changing or deleting any other entry cannot change this chain. See chainDependencies.
   */
  readonly dependencies: readonly string[];
  /**
   * Parts of the configuration rxds cannot honour but which do not stop the chain from working (e.g. a
   * failover to another datacenter: rxds has only dc1). Callers should log them. Sorted, no duplicates.
   */
  readonly warnings: readonly string[];
}

export type ChainNode = RouterNode | SplitterNode | ResolverNode;

/** Node keys: `router:<service>.default.default.dc1`, `splitter:<service>.default.default.dc1`, `resolver:<target id>`. */
export interface RouterNode {
  readonly type: 'router';
  readonly name: string;
  /** In order; the first match wins. The last route is the default catch-all (pathPrefix '/'). */
  readonly routes: readonly ChainRoute[];
}

export interface ChainRoute {
  readonly match: RouteMatch;
  /** Node key (a splitter or a resolver). */
  readonly next: string;
  readonly destination: RouteDestination;
}

/**
 * At most one of pathExact/pathPrefix/pathRegex; when the router's route names none, `pathPrefix` is '/'.
 * All lists are empty when not configured.
 */
export interface RouteMatch {
  readonly pathExact?: string;
  readonly pathPrefix?: string;
  readonly pathRegex?: string;
  readonly headers: readonly HeaderMatch[];
  readonly queryParams: readonly QueryMatch[];
  readonly methods: readonly string[];
}

/** Exactly one of present/exact/prefix/suffix/contains/regex is set. */
export interface HeaderMatch {
  readonly name: string;
  readonly present?: boolean;
  readonly exact?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly contains?: string;
  readonly regex?: string;
  /** Only with exact/prefix/suffix/contains (Consul's IgnoreCase). */
  readonly ignoreCase?: boolean;
  readonly invert: boolean;
}

/** Exactly one of present/exact/regex is set. */
export interface QueryMatch {
  readonly name: string;
  readonly present?: boolean;
  readonly exact?: string;
  readonly regex?: string;
}

export interface HeaderModifiers {
  readonly add: Readonly<Record<string, string>>;
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

export interface RouteDestination {
  readonly prefixRewrite?: string;
  /** The route's RequestTimeout; when absent, the next resolver node's requestTimeoutMs applies (as in Consul). */
  readonly requestTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly numRetries?: number;
  readonly retryOnConnectFailure: boolean;
  readonly retryOnStatusCodes: readonly number[];
  /** Envoy retry conditions (Consul's RetryOn), e.g. '5xx', 'reset'. */
  readonly retryOn: readonly string[];
  readonly requestHeaders?: HeaderModifiers;
  readonly responseHeaders?: HeaderModifiers;
}

export interface SplitterNode {
  readonly type: 'splitter';
  readonly name: string;
  /**
   * Weights are percentages with two decimals (sum 100; Envoy's total is weight*100 = 10000). Nested splitters
   * are flattened (weights multiplied); splits to the same next node are merged; zero weights are dropped.
   */
  readonly splits: readonly ChainSplit[];
}

export interface ChainSplit {
  readonly weight: number;
  /** Node key of a resolver. */
  readonly next: string;
  readonly requestHeaders?: HeaderModifiers;
  readonly responseHeaders?: HeaderModifiers;
}

export interface ResolverNode {
  readonly type: 'resolver';
  readonly name: string;
  /** Target id. */
  readonly target: string;
  /** Target ids in order (never the primary target itself). */
  readonly failover: readonly string[];
  /** From the resolver of the target's service: ConnectTimeout, default 5000. */
  readonly connectTimeoutMs: number;
  /** From the resolver's RequestTimeout, if set. */
  readonly requestTimeoutMs?: number;
  /** Absent when the resolver sets no policy (Envoy's default, round robin). */
  readonly loadBalancer?: LoadBalancer;
}

export type LoadBalancerPolicy = 'round_robin' | 'least_request' | 'ring_hash' | 'maglev' | 'random';

export interface LoadBalancer {
  readonly policy: LoadBalancerPolicy;
  readonly ringHash?: { readonly minimumRingSize?: number; readonly maximumRingSize?: number };
  readonly leastRequest?: { readonly choiceCount?: number };
  readonly hashPolicies: readonly HashPolicy[];
}

/** Consul's HashPolicy: either sourceIp, or a field ('header' | 'cookie' | 'query_parameter') with its value. */
export interface HashPolicy {
  readonly field?: 'header' | 'cookie' | 'query_parameter';
  readonly fieldValue?: string;
  readonly cookieConfig?: { readonly session?: boolean; readonly ttlMs?: number; readonly path?: string };
  readonly sourceIp?: boolean;
  readonly terminal?: boolean;
}

export interface ChainTarget {
  /** `[<subset>.]<service>.default.default.dc1` */
  readonly id: string;
  readonly service: string;
  readonly subset?: string;
  /** The cluster name, Consul's SNI form: `[<subset>.]<service>.default.dc1.internal.<trust-domain>`. */
  readonly sni: string;
  /** The service's SPIFFE ID (what its certificate must name): `spiffe://<trust-domain>/ns/default/dc/dc1/svc/<service>`. */
  readonly spiffeId: string;
  /** The subset's Filter expression (Consul's bexpr subset), if any. */
  readonly filter?: string;
  /** The subset's OnlyPassing: instances with warning checks are left out too. */
  readonly onlyPassing: boolean;
  /** From the resolver of the target's service: ConnectTimeout, default 5000. */
  readonly connectTimeoutMs: number;
}

/** A set of config entries keyed by `kind/name` (configEntryKey). */
export type ChainEntries = ReadonlyMap<string, ConfigEntry>;

export interface ChainInput {
  readonly serviceName: string;
  readonly trustDomain: string;
  readonly entries: ChainEntries;
}

/**
 * What selectTargetInstances reads from an instance: Consul's CheckServiceNode shape (GET /v1/health/service),
 * the same shape subset filters are evaluated against, with the checks' statuses.
 */
export interface ServiceHealthLike extends FilterInstance {
  /** The instance's checks (and its node's); Status is 'passing' | 'warning' | 'critical'. */
  readonly Checks?: readonly { readonly Status: string; readonly [field: string]: unknown }[];
}
