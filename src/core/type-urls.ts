/** Type URLs of the xDS resources rxds serves, and the order in which they are pushed. */
export const TypeUrl = {
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/**
 * Make-before-break push order: clusters, then their endpoints, then listeners, then routes.
 * Secrets are referenced by clusters and listeners, so they go first when several types are due.
 */
export const PUSH_ORDER: readonly TypeUrl[] = [
  TypeUrl.Secret,
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
];

/** LDS and CDS responses carry the full subscribed set in SotW; RDS, EDS and SDS only what changed. */
export const FULL_STATE_TYPES: ReadonlySet<string> = new Set([TypeUrl.Listener, TypeUrl.Cluster]);

/** A type whose resources are children of another type: updating a parent makes the client re-request them. */
export const CHILD_TYPE: Readonly<Record<string, TypeUrl | undefined>> = {
  [TypeUrl.Cluster]: TypeUrl.ClusterLoadAssignment,
  [TypeUrl.Listener]: TypeUrl.RouteConfiguration,
};

export const SHORT_TYPE_NAME: Readonly<Record<TypeUrl, string>> = {
  [TypeUrl.Cluster]: 'CDS',
  [TypeUrl.ClusterLoadAssignment]: 'EDS',
  [TypeUrl.Listener]: 'LDS',
  [TypeUrl.RouteConfiguration]: 'RDS',
  [TypeUrl.Secret]: 'SDS',
};

export const ALL_TYPE_URLS: readonly TypeUrl[] = Object.values(TypeUrl);

export function isKnownTypeUrl(typeUrl: string): typeUrl is TypeUrl {
  return (ALL_TYPE_URLS as readonly string[]).includes(typeUrl);
}

/** Prefix of every type URL in an `Any`. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';
