import {
  BehaviorSubject,
  combineLatest,
  distinctUntilChanged,
  EMPTY,
  filter,
  map,
  ReplaySubject,
  share,
  switchMap,
  type Observable,
} from 'rxjs';
import { TypeUrl } from '../../core/type-urls.js';

/** Type URL -> subscribed names ('*' = wildcard), as the xDS server reports a stream's subscriptions. */
export type Subscriptions = ReadonlyMap<string, readonly string[] | '*'>;

/**
 * The listener names a node's streams subscribe to (a proxyless client's targets): the union over its
 * live streams that have asked for listeners, sorted. A wildcard names nothing (an unregistered Envoy
 * is not a proxyless client). While no stream has sent a request (between a disconnect and the
 * reconnect's first request, for instance), nothing is emitted and the last targets stay in force; a node
 * whose streams ask for other types only names no targets.
 */
export class NodeTargets {
  private readonly streams = new BehaviorSubject<ReadonlyMap<string, Observable<Subscriptions>>>(new Map());
  readonly targets$: Observable<readonly string[]> = this.names$(TypeUrl.Listener);
  /**
   * The cluster names the node's streams subscribe to (CDS), the same way: a proxyless client keeps getting a
   * cluster it still names (calls in flight hold it) after no route points at it any more.
   */
  readonly clusters$: Observable<readonly string[]> = this.names$(TypeUrl.Cluster);

  private names$(typeUrl: string): Observable<readonly string[]> {
    return this.streams.pipe(
      switchMap((streams) => {
        if (streams.size === 0) return EMPTY;
        return combineLatest([...streams.values()]).pipe(
          // Wait for a first request; after that a node that asks for other types but no listeners (an
          // unregistered Envoy asking for clusters, say) names no targets and is answered that nothing exists.
          filter((subs) => subs.some((s) => s.size > 0)),
          map((subs) => subs.map((s) => s.get(typeUrl) ?? [])),
          map((lists) => [...new Set(lists.flatMap((l) => (l === '*' ? [] : l)))].sort()),
        );
      }),
      distinctUntilChanged((a, b) => a.length === b.length && a.every((x, i) => x === b[i])),
      share({ connector: () => new ReplaySubject(1), resetOnRefCountZero: false }),
    );
  }

  /** A stream of the node opened; `subscriptions$` undefined: the server does not report them. */
  add(streamId: string, subscriptions$: Observable<Subscriptions> | undefined): void {
    if (!subscriptions$) return;
    const next = new Map(this.streams.value);
    next.set(streamId, subscriptions$);
    this.streams.next(next);
  }

  remove(streamId: string): void {
    if (!this.streams.value.has(streamId)) return;
    const next = new Map(this.streams.value);
    next.delete(streamId);
    this.streams.next(next);
  }
}
