export { aclState, ACL_LOADING, type AclState } from './acl-state.js';
export { createAclSource, aclConfigOf, type AclSource } from './acl-source.js';
export { createAuthorizer, ALLOW_ALL, SIDECAR_SUFFIX, type Authorizer, type Access } from './authorizer.js';
export { tokenFromHttp, tokenFromMetadata, type MetadataLike } from './request-token.js';
export { nodeAccess, proxylessTargetService, type NodeSubscriptions } from './node-access.js';
export { requestAuthorizer, permissionDenied, requireAuthenticated, operatorGuard, proxyGuard } from './http-guard.js';
export { hashSecret, findDigest } from './token-hash.js';
