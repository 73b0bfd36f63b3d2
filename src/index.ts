// The public API of rxds: everything an embedder may use, re-exported by name. A test pins this list
// (test/core/public-api.test.ts): adding or removing a name is a deliberate change.

// ── core: resources, snapshots, interfaces every layer shares ──────────────────────────────────────
export { TypeUrl, PUSH_ORDER, FULL_STATE_TYPES, ALL_TYPE_URLS, isKnownTypeUrl } from './core/type-urls.js';
export { ResourceEncoder, contentVersion, typeUrlOf } from './core/resource.js';
export type { Resource, ResourceMessage } from './core/resource.js';
export { snapshotOf, encodeSnapshot, resourcesOfType, EMPTY_SNAPSHOT } from './core/snapshot.js';
export type { Snapshot } from './core/snapshot.js';
export { silentLogger } from './core/logger.js';
export type { Logger } from './core/logger.js';
export { ok, err, formatPath } from './core/result.js';
export type { Result } from './core/result.js';
export { grpcServiceDefinition } from './core/grpc-service.js';
export { createHttpServer } from './core/http/http-server.js';
export type { HttpServerHandle, HttpServerOptions } from './core/http/http-server.js';
export { createRouter } from './core/http/router.js';
export type { RouteHandler, Router, Reply, RouteContext } from './core/http/router.js';
export { HttpError, badRequest, notFound, forbidden } from './core/http/http-error.js';

// ── sources: store, catalog, Consul API, config entries, health checks, files, CA, ACL ─────────────
export { openSqliteStore } from './sources/store/sqlite-store.js';
export { createMemoryStore } from './sources/store/memory-store.js';
export { openEtcdStore } from './sources/store/etcd-store.js';
export type { EtcdStoreOptions, EtcdStateStore } from './sources/store/etcd-store.js';
export type { EtcdTlsOptions, EtcdAuthOptions } from './sources/store/etcd-client.js';
export { shareTtlUpdates } from './sources/store/etcd-ttl-heartbeats.js';
export type { TtlHeartbeat, TtlHeartbeats } from './sources/store/etcd-ttl-heartbeats.js';
export { EMPTY_CATALOG_STATE, STORE_TABLES, IndexKey } from './sources/store/catalog-state.js';
export { PersistentMap, asPersistent } from './sources/store/persistent-map.js';
export type { PersistentMapEditor } from './sources/store/persistent-map.js';
export type { StateStore, Write } from './sources/store/state-store.js';
export type {
  CatalogState,
  ServiceRecord,
  CheckRecord,
  ConfigEntryRecord,
  SystemRecord,
  StoreTable,
  CheckStatus,
  WriteOp,
} from './sources/store/catalog-state.js';
export { StoreConflictError, StoreUnavailableError } from './sources/store/store-errors.js';
export { createCatalog } from './sources/catalog/catalog.js';
export type { Catalog, CatalogOptions } from './sources/catalog/catalog.js';
export type { Slice } from './sources/catalog/slice.js';
export type { ServiceHealth } from './sources/catalog/health-status.js';
export { parseServiceDefinition } from './sources/catalog/service-definition.js';
export type { ServiceDefinition } from './sources/catalog/service-definition.js';
export { startHealthChecks } from './sources/catalog/health-checks.js';
export { startFileSource, applyFileSource } from './sources/catalog/file-source.js';
export { createConsulApi } from './sources/consul-api/consul-api.js';
export { startConsulApiServer } from './sources/consul-api/consul-api-server.js';
export type { ConsulApiDeps } from './sources/consul-api/consul-api-deps.js';
export { createSourceStatusRegistry } from './sources/source-status.js';
export type { SourceStatus, SourceStatusRegistry } from './sources/source-status.js';
export { normalizeKeys } from './sources/normalize-keys.js';
export {
  parseConfigEntry,
  validateConfigEntryGraph,
  validateDeletion,
  validateConfigEntrySet,
  serviceProtocol,
  CONFIG_ENTRY_KINDS,
  parseGoDuration,
  formatGoDuration,
} from './sources/config-entries/index.js';
export type {
  ConfigEntry,
  ConfigEntryKind,
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
  ServiceResolverEntry,
  ServiceIntentionsEntry,
} from './sources/config-entries/index.js';
export { parseFilter, evaluateFilter, formatFilter } from './sources/filter/index.js';
export type { FilterAst, FilterInstance } from './sources/filter/index.js';
export { runHealthChecks, createProbes, checkSpecFromDefinition } from './sources/health/index.js';
export type { HealthEvent, Probes, CheckSpec as HealthCheckSpec } from './sources/health/index.js';
export { watchConfigFiles, keepLastGood, parseConfigFile, parseAclConfig } from './sources/file/index.js';
export type { FileSourceState, FileState, FileContent, AclConfig } from './sources/file/index.js';
export { startCertificateAuthority } from './sources/ca/start-certificate-authority.js';
export { CertificateAuthority } from './sources/ca/certificate-authority.js';
export { createFileCaPersistence, CaPersistenceError } from './sources/ca/file-ca-persistence.js';
export { createMemoryCaPersistence } from './sources/ca/memory-ca-persistence.js';
export { createStoreCaPersistence, CA_STATE_KEY, CaStateChangedError } from './sources/ca/store-ca-persistence.js';
export type { StoreCaPersistence, StoreCaPersistenceOptions } from './sources/ca/store-ca-persistence.js';
export { importCaStateFile } from './sources/ca/import-ca-state-file.js';
export type { CaStateImport } from './sources/ca/import-ca-state-file.js';
export { createX509Issuer } from './sources/ca/x509-issuer.js';
export { spiffeServiceUri } from './sources/ca/spiffe-id.js';
export { CaError } from './sources/ca/ca-types.js';
export type { CaPersistence, CaState, CaRoots, CaRoot, Leaf, CertIssuer } from './sources/ca/ca-types.js';
export { createAclSource, aclConfigOf, aclState, tokenFromHttp, tokenFromMetadata, operatorGuard } from './sources/acl/index.js';
export type { AclSource, AclState, Authorizer } from './sources/acl/index.js';

// ── pipelines: per-proxy snapshots, discovery chains, Envoy resources, the PGV gate, secrets ──────
export { createProxyManager, createProxySnapshots } from './pipelines/proxy/proxy-manager.js';
export type { ProxyManager, ProxyManagerDeps, ProxyStreamInfo } from './pipelines/proxy/proxy-manager.js';
export { intentionsDefault$ } from './pipelines/proxy/intentions-default.js';
export type { IntentionsDefault } from './pipelines/proxy/intentions-default.js';
export { trustDomain$ } from './pipelines/proxy/trust-domain.js';
export type { TrustDomain } from './pipelines/proxy/trust-domain.js';
export {
  compileChain,
  chainDependencies,
  chainServices,
  selectTargetInstances,
  compiledChain$,
  ChainError,
  targetSni,
} from './pipelines/chain/index.js';
export type { CompiledChain, ChainNode, ChainTarget, ChainRoute } from './pipelines/chain/index.js';
export { validateMessage } from './pipelines/validate/validate-message.js';
export type { ValidateOptions } from './pipelines/validate/validate-message.js';
export { checkResource, ResourceGate } from './pipelines/validate/check-resource.js';
export { formatViolations } from './pipelines/validate/violation.js';
export type { Violation } from './pipelines/validate/violation.js';
export { envoyTypeRegistry } from './pipelines/validate/envoy-registry.js';
export { leafSecret } from './pipelines/secrets/leaf-secret.js';
export { trustBundleSecret } from './pipelines/secrets/trust-bundle-secret.js';
export { createSecretResources, serviceSecrets$ } from './pipelines/secrets/secret-resources.js';

// ── sinks: the xDS server, rxds's own endpoints, metrics, dashboard ─────────────────────────────────
export { createXdsServer, XdsError } from './sinks/xds/xds-server.js';
export type { XdsServer, XdsServerOptions, StreamInfo, XdsEvent } from './sinks/xds/xds-server.js';
export type { StreamStatus, TypeStatus, SyncStatus } from './sinks/xds/stream-status.js';
export { createAdminApi } from './sinks/admin/admin-api.js';
export type { AdminApi } from './sinks/admin/admin-api.js';
export type { AdminApiDeps, Readiness } from './sinks/admin/admin-deps.js';
export { createMetrics } from './sinks/metrics/create-metrics.js';
export type { MetricsDeps, RxdsMetrics } from './sinks/metrics/create-metrics.js';
export { createMetricsRoute } from './sinks/metrics/metrics-route.js';
export { createUiRoute } from './sinks/ui/ui-route.js';

// ── the daemon, as `rxds serve` runs it ──────────────────────────────────────────────────────────
export { startRxds } from './daemon/start-rxds.js';
export type { Rxds, RxdsDeps } from './daemon/start-rxds.js';
export { parseServeOptions } from './cli/serve-options.js';
export type { ServeOptions } from './cli/serve-options.js';
