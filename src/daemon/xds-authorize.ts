import * as grpc from '@grpc/grpc-js';
import { combineLatest, distinctUntilChanged, filter, map, merge, mergeMap, of, take, throwError, type Observable } from 'rxjs';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import type { Snapshot } from '../core/snapshot.js';
import type { Logger } from '../core/logger.js';
import type { AclSource } from '../sources/acl/acl-source.js';
import { nodeAccess, type NodeSubscriptions } from '../sources/acl/node-access.js';
import { tokenFromMetadata } from '../sources/acl/request-token.js';
import type { StateStore } from '../sources/store/state-store.js';
import { XdsError, type StreamInfo } from '../sinks/xds/xds-server.js';

export interface XdsAccessDeps {
  readonly acl: Pick<AclSource, 'state$' | 'current'>;
  /** The catalog: whether a node id is a registered connect-proxy, and of which service. */
  readonly store: Pick<StateStore, 'state$' | 'current'>;
  readonly logger?: Logger;
}

export type SnapshotFunction = (node: Node, info: StreamInfo) => Observable<Snapshot>;

export interface XdsAccess {
  /** The xDS server's `authorize` hook: refuses a stream (PERMISSION_DENIED) whose token does not allow its node. */
  authorize(node: Node, info: StreamInfo): void;
  /**
   * Wraps the snapshot function so that the stream is re-checked whenever the ACL configuration, the
   * node's registration or the stream's subscriptions change, and ended with PERMISSION_DENIED as soon
   * as its token no longer allows it (a revoked token, a proxy re-registered for another service, a
   * proxyless client naming a service it may not read).
   */
  guard(snapshots: SnapshotFunction): SnapshotFunction;
}

const denied = (reason: string) => new XdsError(grpc.status.PERMISSION_DENIED, `Permission denied: ${reason}`);

/**
 * ACL for xDS streams (CONTRACT section 5; rules in src/sources/acl/node-access.ts). The token comes from
 * the stream's metadata (`x-consul-token`, or `authorization: Bearer`). Use both parts:
 * `createXdsServer({ authorize: access.authorize, snapshots: access.guard(snapshots) })`.
 */
export function createXdsAccess(deps: XdsAccessDeps): XdsAccess {
  const { acl, store } = deps;
  return {
    authorize(node, info) {
      const authz = acl.current().authorize(tokenFromMetadata(info.metadata));
      const reason = nodeAccess(authz, node.id, store.current().services.get(node.id));
      if (reason) throw denied(reason);
    },
    guard(snapshots) {
      return (node, info) => {
        const secret = tokenFromMetadata(info.metadata);
        const registered$ = store.state$.pipe(
          map((s) => s.services.get(node.id)),
          distinctUntilChanged(),
        );
        const subscriptions$: Observable<NodeSubscriptions | undefined> = info.subscriptions$ ?? of(undefined);
        const refusal$ = combineLatest([acl.state$, registered$, subscriptions$]).pipe(
          map(([state, registered, subs]) => nodeAccess(state.authorize(secret), node.id, registered, subs)),
          filter((reason): reason is string => reason !== undefined),
          take(1),
          mergeMap((reason) => {
            deps.logger?.warn({ nodeId: node.id, streamId: info.streamId, reason }, 'xDS stream no longer allowed: closing it');
            return throwError(() => denied(reason));
          }),
        );
        // The check subscribes first, so a refused subscription ends the stream before anything is built for it.
        return merge(refusal$, snapshots(node, info));
      };
    },
  };
}
