// Representative meshes for the golden tests: Consul-shaped registrations and config entries, each with the
// proxies whose whole generated configuration is pinned in <mesh>.json.
import type { RawEntry, RawService } from '../pipelines/proxy/mesh-state.js';
import { instance } from '../pipelines/proxy/mesh-state.js';

export interface GoldenMesh {
  readonly services: readonly RawService[];
  readonly entries: readonly RawEntry[];
  /** Check statuses to set after registration (check ID -> status). */
  readonly checks?: Readonly<Record<string, 'passing' | 'warning' | 'critical'>>;
  /** Envoy sidecars (node ids) whose configuration is pinned. */
  readonly sidecars: readonly string[];
  /** Proxyless clients: node id -> the listener names it asks for. */
  readonly proxyless: Readonly<Record<string, readonly string[]>>;
}

const withSidecar = (port: number, extra: RawService = {}): RawService => ({ Connect: { SidecarService: { Port: port, ...extra } } });
const frontend = (upstreams: RawService[]) =>
  instance('frontend', 'frontend-1', 8080, withSidecar(21000, { Proxy: { Upstreams: upstreams } }));

export const MESHES: Readonly<Record<string, GoldenMesh>> = {
  // An http backend with three instances (one warning with a lower weight, one critical), proxy-defaults
  // with circuit breakers and outlier detection, and intentions: deny everyone but frontend.
  plain: {
    services: [
      instance('backend', 'backend-1', 50051, { Weights: { Passing: 3, Warning: 1 }, Check: { TTL: '30s' }, ...withSidecar(21001) }),
      instance('backend', 'backend-2', 50052, { Weights: { Passing: 3, Warning: 1 }, Check: { TTL: '30s' }, ...withSidecar(21002) }),
      instance('backend', 'backend-3', 50053, { Check: { TTL: '30s' }, ...withSidecar(21003) }),
      frontend([{ DestinationName: 'backend', LocalBindPort: 9191 }]),
    ],
    entries: [
      {
        Kind: 'proxy-defaults',
        Name: 'global',
        Config: {
          protocol: 'http',
          local_connect_timeout_ms: 1500,
          limits: { max_connections: 100, max_pending_requests: 50, max_concurrent_requests: 200 },
          passive_health_check: { interval: '10s', max_failures: 5, enforcing_consecutive_5xx: 80 },
        },
      },
      { Kind: 'service-intentions', Name: 'backend', Sources: [{ Name: 'frontend', Action: 'allow' }, { Name: '*', Action: 'deny' }] },
    ],
    checks: { 'service:backend-1': 'passing', 'service:backend-2': 'warning', 'service:backend-3': 'critical' },
    sidecars: ['frontend-1-sidecar-proxy', 'backend-1-sidecar-proxy'],
    proxyless: { client: ['backend', 'backend:50051', 'unknown'] },
  },
  // A router: path, header, query and method matches, prefix rewrite, timeouts, retries, a subset destination.
  router: {
    services: [
      instance('web', 'web-1', 8001, { Meta: { version: 'v1' }, ...withSidecar(21001) }),
      instance('web', 'web-2', 8002, { Meta: { version: 'v2' }, ...withSidecar(21002) }),
      instance('admin', 'admin-1', 9001, withSidecar(21003)),
      frontend([{ DestinationName: 'web', LocalBindPort: 9191 }]),
    ],
    entries: [
      { Kind: 'service-defaults', Name: 'web', Protocol: 'http' },
      { Kind: 'service-defaults', Name: 'admin', Protocol: 'http' },
      { Kind: 'service-resolver', Name: 'web', DefaultSubset: 'v1', Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } } },
      {
        Kind: 'service-router',
        Name: 'web',
        Routes: [
          { Match: { HTTP: { PathPrefix: '/admin' } }, Destination: { Service: 'admin', PrefixRewrite: '/', RequestTimeout: '2s' } },
          { Match: { HTTP: { Header: [{ Name: 'x-canary', Exact: 'true' }] } }, Destination: { ServiceSubset: 'v2' } },
          { Match: { HTTP: { PathExact: '/report', QueryParam: [{ Name: 'format', Exact: 'csv' }], Methods: ['GET', 'HEAD'] } }, Destination: { NumRetries: 3, RetryOnConnectFailure: true, RetryOnStatusCodes: [503] } },
          { Match: { HTTP: { PathRegex: '/api/v[0-9]+/.*', Header: [{ Name: 'x-debug', Present: true, Invert: true }] } }, Destination: { ServiceSubset: 'v1' } },
        ],
      },
    ],
    sidecars: ['frontend-1-sidecar-proxy'],
    proxyless: { client: ['web'] },
  },
  // A splitter: 80/20 between subsets, with a header on each split.
  splitter: {
    services: [
      instance('api', 'api-1', 7001, { Tags: ['v1'], ...withSidecar(21001) }),
      instance('api', 'api-2', 7002, { Tags: ['v2'], ...withSidecar(21002) }),
      frontend([{ DestinationName: 'api', LocalBindPort: 9191 }]),
    ],
    entries: [
      { Kind: 'service-defaults', Name: 'api', Protocol: 'grpc' },
      { Kind: 'service-resolver', Name: 'api', Subsets: { v1: { Filter: 'v1 in Service.Tags' }, v2: { Filter: 'v2 in Service.Tags', OnlyPassing: true } } },
      {
        Kind: 'service-splitter',
        Name: 'api',
        Splits: [
          { Weight: 80, ServiceSubset: 'v1', RequestHeaders: { Set: { 'x-version': 'v1' } } },
          { Weight: 20, ServiceSubset: 'v2', RequestHeaders: { Set: { 'x-version': 'v2' } } },
        ],
      },
    ],
    sidecars: ['frontend-1-sidecar-proxy'],
    proxyless: { client: ['api'] },
  },
  // A resolver with failover to another service, its own connect timeout and ring-hash load balancing.
  failover: {
    services: [
      instance('db', 'db-1', 5001, { Check: { TTL: '30s' }, ...withSidecar(21001) }),
      instance('db-dr', 'db-dr-1', 5101, withSidecar(21101)),
      frontend([{ DestinationName: 'db', LocalBindPort: 9191 }]),
    ],
    entries: [
      { Kind: 'service-defaults', Name: 'db', Protocol: 'grpc' },
      { Kind: 'service-defaults', Name: 'db-dr', Protocol: 'grpc' },
      {
        Kind: 'service-resolver',
        Name: 'db',
        ConnectTimeout: '2s',
        Failover: { '*': { Targets: [{ Service: 'db-dr' }] } },
        LoadBalancer: { Policy: 'ring_hash', RingHashConfig: { MinimumRingSize: 1024, MaximumRingSize: 8192 }, HashPolicies: [{ Field: 'header', FieldValue: 'x-user' }] },
      },
    ],
    checks: { 'service:db-1': 'passing' },
    sidecars: ['frontend-1-sidecar-proxy'],
    proxyless: { client: ['db'] },
  },
  // A tcp upstream: tcp_proxy listener, no routes; the db's own sidecar proxies TCP to local_app.
  tcp: {
    services: [
      instance('postgres', 'postgres-1', 5432, withSidecar(21001)),
      frontend([{ DestinationName: 'postgres', LocalBindPort: 15432 }]),
    ],
    entries: [{ Kind: 'service-resolver', Name: 'postgres', ConnectTimeout: '1s', LoadBalancer: { Policy: 'least_request', LeastRequestConfig: { ChoiceCount: 3 } } }],
    sidecars: ['frontend-1-sidecar-proxy', 'postgres-1-sidecar-proxy'],
    proxyless: {},
  },
};
