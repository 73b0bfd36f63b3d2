import type { SchedulerLike } from 'rxjs';
import type { Logger } from '../core/logger.js';
import { ResourceEncoder } from '../core/resource.js';
import { createProxyManager, type ProxyManager } from '../pipelines/proxy/proxy-manager.js';
import { withProxylessServers } from '../pipelines/proxy/proxyless-servers.js';
import { intentionsDefault$, type IntentionsDefault } from '../pipelines/proxy/intentions-default.js';
import { trustDomain$, type TrustDomain } from '../pipelines/proxy/trust-domain.js';
import type { InvalidResource } from '../pipelines/proxy/gate-resources.js';
import { ResourceGate } from '../pipelines/validate/check-resource.js';
import { createSecretResources, serviceSecrets$ } from '../pipelines/secrets/secret-resources.js';
import type { CertificateAuthority } from '../sources/ca/certificate-authority.js';
import type { Catalog } from '../sources/catalog/catalog.js';

/** How long a proxy's pipeline and last snapshot outlive its last stream (a reconnect within it is instant). */
export const PROXY_GRACE_MS = 30_000;
/** Global cap on snapshot deliveries per second across all proxies (protects the process from change storms). */
export const MAX_SNAPSHOTS_PER_SECOND = 2_000;

export interface MeshSnapshotsDeps {
  readonly catalog: Catalog;
  readonly ca: CertificateAuthority;
  /**
   * The mesh's trust domain; an Observable to follow the CA's at runtime (`ca.roots$` mapped to its trustDomain:
   * a replica follows another's rotation to a new trust domain, and its proxies with upstreams are rebuilt).
   */
  readonly trustDomain: TrustDomain;
  readonly debounceMs: number;
  readonly debounceMaxMs: number;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  /** Told the type URL of each generated resource that failed the PGV gate (a bug; it was not sent). */
  readonly onInvalidResource?: (typeUrl: string) => void;
  /** Metrics hooks: a snapshot was built (by proxy kind); a coalesced change waited this long (ms). */
  readonly onSnapshotBuilt?: (kind: string) => void;
  readonly onDebounced?: (waitedMs: number) => void;
  /**
   * Whether intentions allow by default (ACL default_policy allow, the default); an Observable to follow the
   * ACL configuration at runtime (sidecars and proxyless servers are rebuilt on each change).
   */
  readonly intentionsDefaultAllow?: IntentionsDefault;
}

/**
 * The per-proxy pipelines of the daemon: catalog and CA in, snapshots out, with one encoder for the whole
 * process so every distinct resource is encoded once and its bytes shared by every stream.
 */
export function createMeshSnapshots(deps: MeshSnapshotsDeps): ProxyManager {
  const encoder = new ResourceEncoder();
  const gate = new ResourceGate();
  const secretResources = createSecretResources(encoder);
  const onInvalidResource = (invalid: InvalidResource) => deps.onInvalidResource?.(invalid.resource.typeUrl);
  // One subscription to the default's source for the whole process, shared by sidecars and servers.
  const intentionsDefaultAllow = intentionsDefault$(deps.intentionsDefaultAllow);
  const manager = createProxyManager({
    catalog: deps.catalog,
    encoder,
    scheduler: deps.scheduler,
    debounceMs: deps.debounceMs,
    debounceMaxMs: deps.debounceMaxMs,
    graceMs: PROXY_GRACE_MS,
    trustDomain: trustDomain$(deps.trustDomain), // one subscription to its source for the whole process
    logger: deps.logger,
    maxSnapshotsPerSecond: MAX_SNAPSHOTS_PER_SECOND,
    gate,
    onInvalidResource,
    intentionsDefaultAllow,
    onSnapshotBuilt: (kind) => deps.onSnapshotBuilt?.(kind),
    onDebounced: (ms) => deps.onDebounced?.(ms),
    secrets: (service) => serviceSecrets$(deps.ca.leaf$(service), deps.ca.roots$, secretResources),
  });
  // Proxyless gRPC servers (grpc-js-xds XdsServer) get their inbound listeners, with intentions as RBAC.
  const snapshots = withProxylessServers(manager.snapshots, {
    catalog: deps.catalog,
    encoder,
    gate,
    logger: deps.logger,
    intentionsDefaultAllow,
    onInvalidResource,
  });
  return { snapshots, stats: () => manager.stats(), close: () => manager.close() };
}
