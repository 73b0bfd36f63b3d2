// The public API of rxds. Everything an embedder may use is re-exported here by name.
export { TypeUrl, PUSH_ORDER, FULL_STATE_TYPES, ALL_TYPE_URLS, isKnownTypeUrl } from './core/type-urls.js';
export { ResourceEncoder, contentVersion, typeUrlOf } from './core/resource.js';
export type { Resource, ResourceMessage } from './core/resource.js';
export { snapshotOf, encodeSnapshot, resourcesOfType, EMPTY_SNAPSHOT } from './core/snapshot.js';
export type { Snapshot } from './core/snapshot.js';
export { silentLogger } from './core/logger.js';
export type { Logger } from './core/logger.js';
export { grpcServiceDefinition } from './core/grpc-service.js';
