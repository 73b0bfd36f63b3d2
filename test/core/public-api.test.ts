import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromBinary } from '@bufbuild/protobuf';
import { of } from 'rxjs';
import * as rxds from '../../src/index.js';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { SotwClient } from '../support/xds-client.js';

// The runtime names of the public API. Changing this list is a deliberate, reviewed API change.
const EXPORTED = [
  'ALL_TYPE_URLS', 'CONFIG_ENTRY_KINDS', 'CaError', 'CaPersistenceError', 'CertificateAuthority', 'ChainError',
  'EMPTY_CATALOG_STATE', 'EMPTY_SNAPSHOT', 'FULL_STATE_TYPES', 'HttpError', 'PUSH_ORDER', 'ResourceEncoder',
  'ResourceGate', 'StoreConflictError', 'StoreUnavailableError', 'TypeUrl', 'XdsError', 'aclConfigOf',
  'aclState', 'applyFileSource', 'badRequest', 'chainDependencies', 'chainServices', 'checkResource',
  'checkSpecFromDefinition', 'compileChain', 'compiledChain$', 'contentVersion', 'createAclSource',
  'createAdminApi', 'createCatalog', 'createConsulApi', 'createFileCaPersistence', 'createHttpServer',
  'createMemoryCaPersistence', 'createMemoryStore', 'createMetrics', 'createMetricsRoute', 'createProbes',
  'createProxyManager', 'createProxySnapshots', 'createRouter', 'createSecretResources',
  'createSourceStatusRegistry', 'createUiRoute', 'createX509Issuer', 'createXdsServer', 'encodeSnapshot',
  'envoyTypeRegistry', 'err', 'evaluateFilter', 'forbidden', 'formatFilter', 'formatGoDuration', 'formatPath',
  'formatViolations', 'grpcServiceDefinition', 'isKnownTypeUrl', 'keepLastGood', 'leafSecret', 'normalizeKeys',
  'notFound', 'ok', 'openSqliteStore', 'operatorGuard', 'parseAclConfig', 'parseConfigEntry',
  'parseConfigFile', 'parseFilter', 'parseGoDuration', 'parseServeOptions', 'parseServiceDefinition',
  'resourcesOfType', 'runHealthChecks', 'selectTargetInstances', 'serviceProtocol', 'serviceSecrets$',
  'silentLogger', 'snapshotOf', 'spiffeServiceUri', 'startCertificateAuthority', 'startConsulApiServer',
  'startFileSource', 'startHealthChecks', 'startRxds', 'targetSni', 'tokenFromHttp', 'tokenFromMetadata',
  'trustBundleSecret', 'typeUrlOf', 'validateConfigEntryGraph', 'validateConfigEntrySet', 'validateDeletion',
  'validateMessage', 'watchConfigFiles',
  // The store on etcd, store-kept CA state, and the runtime intentions default.
  'openEtcdStore', 'shareTtlUpdates', 'STORE_TABLES', 'PersistentMap', 'asPersistent', 'IndexKey', 'createStoreCaPersistence', 'CA_STATE_KEY', 'CaStateChangedError',
  'importCaStateFile', 'intentionsDefault$', 'trustDomain$',
];

test('src/index.ts exports exactly the public API', () => {
  assert.deepEqual(Object.keys(rxds).sort(), [...EXPORTED].sort());
});

test('the embedding API works from the public entry point alone', async () => {
  const encoder = new rxds.ResourceEncoder();
  const snapshot = rxds.encodeSnapshot(encoder, [create(ClusterSchema, { name: 'backend', connectTimeout: { seconds: 1n } })]);
  const xds = rxds.createXdsServer({ snapshots: () => of(snapshot) });
  const port = await xds.listen('127.0.0.1:0');
  const client = new SotwClient(port, { nodeId: 'embedder' });
  try {
    client.subscribe(rxds.TypeUrl.Cluster, []);
    const cds = await client.nextAcked(rxds.TypeUrl.Cluster);
    assert.deepEqual(cds.resources.map((a) => fromBinary(ClusterSchema, a.value).name), ['backend']);
  } finally {
    client.close();
    await xds.close();
  }
});
