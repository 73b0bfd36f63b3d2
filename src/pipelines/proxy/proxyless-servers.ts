import { combineLatest, distinctUntilChanged, map, of, switchMap, type Observable } from 'rxjs';
import type { Node } from '../../gen/envoy/config/core/v3/base_pb.js';
import type { Cluster } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Logger } from '../../core/logger.js';
import type { Resource, ResourceEncoder } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import { TypeUrl } from '../../core/type-urls.js';
import type { Catalog } from '../../sources/catalog/catalog.js';
import { buildServerListener, serverListenerAddress } from '../generate/proxyless-server.js';
import { wantsProxylessMtls, withProxylessTls } from '../generate/proxyless-tls.js';
import type { ResourceGate } from '../validate/check-resource.js';
import { formatViolations } from '../validate/violation.js';
import { sameSnapshot, type InvalidResource } from './gate-resources.js';
import type { ProxyStreamInfo } from './proxy-manager.js';
import { intentionsDefault$, type IntentionsDefault } from './intentions-default.js';
import { serverInput$ } from './server-inputs.js';

export interface ProxylessServersDeps {
  readonly catalog: Catalog;
  readonly encoder: ResourceEncoder;
  readonly gate: ResourceGate;
  readonly logger: Logger;
  /**
   * Intentions' default: allow (ACL default_policy allow, the default) or deny; an Observable to follow the
   * configuration (each change rebuilds the server listeners, which wait for its first value).
   */
  readonly intentionsDefaultAllow?: IntentionsDefault;
  /** Address of instances registered without one (default 127.0.0.1). */
  readonly nodeAddress?: string;
  readonly onInvalidResource?: (invalid: InvalidResource) => void;
}

export type SnapshotFunction = (node: Node, info: ProxyStreamInfo) => Observable<Snapshot>;

const NO_SERVERS: readonly Resource[] = Object.freeze([]);

/**
 * Adds proxyless gRPC servers and mTLS to a snapshot function (the proxy manager's):
 * - a stream subscribing to a server listener name (`...?xds.resource.listening_address=host:port`, what a
 *   grpc-js-xds `XdsServer` asks for) gets that Listener: the service registered at that address with its
 *   intentions as HTTP RBAC (proxyless-server.ts), rebuilt when the registration, the intentions or the
 *   intentions' default change;
 * - a node whose metadata opts in to mTLS (`RXDS_MTLS: "true"`) gets its server listeners with a
 *   DownstreamTlsContext and its clusters with an UpstreamTlsContext, both naming the bootstrap's
 *   certificate provider instance `rxds` (proxyless-tls.ts).
 * Every added or changed resource passes the PGV gate; one that fails is logged, reported and left out.
 */
export function withProxylessServers(inner: SnapshotFunction, deps: ProxylessServersDeps): SnapshotFunction {
  const defaultAllow$ = intentionsDefault$(deps.intentionsDefaultAllow);
  const tlsClusters = new WeakMap<Resource, Resource | undefined>();
  const admit = (nodeId: string, resource: Resource): Resource | undefined => {
    const violations = deps.gate.check(resource);
    if (violations.length === 0) return resource;
    deps.logger.error({ nodeId, typeUrl: resource.typeUrl, name: resource.name, violations: formatViolations(violations) }, 'generated resource violates its validation rules (a bug): not sent');
    deps.onInvalidResource?.({ nodeId, resource, violations, kept: undefined });
    return undefined;
  };
  const withTls = (nodeId: string, cluster: Resource): Resource | undefined => {
    if (!tlsClusters.has(cluster)) tlsClusters.set(cluster, admit(nodeId, deps.encoder.encode(withProxylessTls(cluster.message as Cluster))));
    return tlsClusters.get(cluster);
  };

  return (node, info) => {
    const inner$ = inner(node, info);
    const mtls = wantsProxylessMtls(node);
    const names$: Observable<readonly string[]> = info.subscriptions$
      ? info.subscriptions$.pipe(
          map((subs) => {
            const names = subs.get(TypeUrl.Listener);
            return names === undefined || names === '*' ? [] : names.filter((n) => serverListenerAddress(n) !== undefined).sort();
          }),
          distinctUntilChanged((a, b) => a.length === b.length && a.every((x, i) => x === b[i])),
        )
      : of([]);
    const servers$ = names$.pipe(
      switchMap((names) =>
        names.length === 0
          ? of(NO_SERVERS)
          : combineLatest(
              names.map((name) =>
                combineLatest([serverInput$(deps.catalog, name, deps.nodeAddress)!, defaultAllow$]).pipe(
                  map(([input, defaultAllow]) => admit(node.id, deps.encoder.encode(buildServerListener(name, input, defaultAllow, mtls)))),
                ),
              ),
            ).pipe(map((rs) => rs.filter((r): r is Resource => r !== undefined))),
      ),
    );
    return combineLatest([inner$, servers$]).pipe(
      map(([snapshot, servers]) => {
        if (servers.length === 0 && !mtls) return snapshot;
        // Same types as the inner snapshot (an empty type stays an answer), server listeners added.
        const out = new Map<string, ReadonlyMap<string, Resource>>(snapshot);
        if (servers.length > 0) {
          const listeners = new Map(snapshot.get(TypeUrl.Listener) ?? []);
          for (const s of servers) listeners.set(s.name, s);
          out.set(TypeUrl.Listener, listeners);
        }
        const clusters = snapshot.get(TypeUrl.Cluster);
        if (mtls && clusters) {
          const secured = new Map<string, Resource>();
          for (const [name, r] of clusters) {
            const tls = withTls(node.id, r);
            if (tls) secured.set(name, tls);
          }
          out.set(TypeUrl.Cluster, secured);
        }
        return out as Snapshot;
      }),
      distinctUntilChanged(sameSnapshot),
    );
  };
}
