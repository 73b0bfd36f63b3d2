import {
  catchError,
  combineLatest,
  distinctUntilChanged,
  EMPTY,
  filter,
  map,
  merge,
  Observable,
  of,
  scan,
  shareReplay,
  switchMap,
  type SchedulerLike,
} from 'rxjs';
import type { Logger } from '../../core/logger.js';
import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import type { Catalog } from '../../sources/catalog/catalog.js';
import type { ProxyDefaultsEntry } from '../../sources/config-entries/proxy-defaults.js';
import type { ServiceDefaultsEntry } from '../../sources/config-entries/service-defaults.js';
import type { ServiceIntentionsEntry } from '../../sources/config-entries/service-intentions.js';
import type { ServiceRecord } from '../../sources/store/catalog-state.js';
import { generateProxyless } from '../generate/generate-proxyless.js';
import { generateSidecar } from '../generate/generate-sidecar.js';
import type { GenerateContext } from '../generate/generate-upstream.js';
import { coalesce } from './coalesce.js';
import type { DeliveryLimiter } from './delivery-limiter.js';
import { gateResources, sameSnapshot, type GateOptions } from './gate-resources.js';
import { foldProxyEvent, initialProxySnapshot, isReady, neededUpstreams, type ProxyEvent, type ProxySnapshot } from './proxy-snapshot.js';
import type { UpstreamInputs } from './upstream-inputs.js';

/** What every per-proxy pipeline of a manager shares. */
export interface PipelineShared {
  readonly catalog: Catalog;
  readonly upstreams: UpstreamInputs;
  readonly generate: GenerateContext;
  readonly gate: GateOptions;
  readonly limiter: DeliveryLimiter;
  readonly scheduler: SchedulerLike;
  readonly debounceMs: number;
  readonly debounceMaxMs: number;
  readonly logger: Logger;
  /**
   * Intentions' default as it changes (shared by every pipeline, replaying its latest value); a sidecar waits
   * for it and is rebuilt when it changes. Absent: `generate.intentionsDefaultAllow`, fixed.
   */
  readonly intentionsDefault$?: Observable<boolean>;
  /** A service's SDS Secrets (its leaf and the trust bundle) as they change; none: sidecars get no secrets. */
  readonly secrets?: (service: string) => Observable<{ readonly leaf: Resource; readonly roots: Resource }>;
  /** Called with every snapshot built (after coalescing and the global cap), for metrics and tests. */
  readonly onBuild?: (nodeId: string, state: ProxySnapshot) => void;
  /** How long each coalesced change waited in the debounce (ms, scheduler time), for metrics. */
  readonly onDebounced?: (waitedMs: number) => void;
}

/**
 * The configuration of one node as it changes. What the node is decides what it watches: a node whose id
 * is a registered connect-proxy is an Envoy sidecar (its registration, proxy-defaults, its local service's
 * defaults and intentions, and its upstreams); any other node is a proxyless gRPC client (the targets it
 * names in its LDS subscriptions, `targets$`, and their services). The slices are merged and folded into a
 * ProxySnapshot, coalesced (first state at once, then debounce with a max wait), passed through the global
 * delivery cap, turned into resources (shared parts memoized), gated, and emitted when they differ.
 */
export function proxyPipeline(
  nodeId: string,
  targets$: Observable<readonly string[]>,
  shared: PipelineShared,
  /** The cluster names the node subscribes to (a proxyless client keeps those whose target exists). */
  clusters$: Observable<readonly string[]> = EMPTY,
): Observable<Snapshot> {
  const { catalog } = shared;
  const registration$ = catalog.state$.pipe(
    map((s) => s.services.get(nodeId)),
    distinctUntilChanged(),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  const kind$ = registration$.pipe(
    map((r): ProxySnapshot['kind'] => (r?.Kind === 'connect-proxy' ? 'sidecar' : 'proxyless')),
    distinctUntilChanged(),
  );
  return new Observable<Snapshot>((subscriber) => {
    let previous: Snapshot | undefined; // the last snapshot sent: a resource failing the gate keeps its version from here
    return kind$
      .pipe(
        switchMap((kind) => {
          const events$ = kind === 'sidecar' ? sidecarEvents(registration$, shared) : proxylessEvents(targets$, clusters$, shared);
          return events$.pipe(
            scan(foldProxyEvent, initialProxySnapshot(kind, kind === 'sidecar' && shared.secrets !== undefined)),
            filter(isReady),
            distinctUntilChanged(),
            coalesce(shared.debounceMs, shared.debounceMaxMs, shared.scheduler, newTargets, shared.onDebounced),
            shared.limiter.limit(),
          );
        }),
        map((state) => {
          shared.onBuild?.(nodeId, state);
          try {
            const messages = state.kind === 'sidecar' ? generateSidecar(sidecarContext(shared.generate, state), { ...state, proxy: state.proxy! }) : generateProxyless(shared.generate, state);
            return gateResources(nodeId, messages, previous, shared.gate, state.secrets);
          } catch (err) {
            // A generator bug must not end the proxy's streams: it keeps its last configuration.
            shared.logger.error({ nodeId, err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 'generating the configuration failed: the previous one stays in force');
            return previous;
          }
        }),
        filter((snapshot): snapshot is Snapshot => snapshot !== undefined),
        distinctUntilChanged(sameSnapshot),
      )
      .subscribe({
        next: (snapshot) => {
          previous = snapshot;
          subscriber.next(snapshot);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
  });
}

/** The generation context of a sidecar: the manager's, with the intentions' default in force for it. */
function sidecarContext(ctx: GenerateContext, state: ProxySnapshot): GenerateContext {
  return ctx.intentionsDefaultAllow === state.intentionsDefaultAllow ? ctx : { ...ctx, intentionsDefaultAllow: state.intentionsDefaultAllow };
}

/** A proxyless client that named new targets is waiting for them: no reason to coalesce. */
function newTargets(last: ProxySnapshot, next: ProxySnapshot): boolean {
  return next.targets !== last.targets && next.targets.some((t) => !last.targets.includes(t));
}

function upstreamEvents(names$: Observable<readonly string[]>, flavor: 'sidecar' | 'proxyless', shared: PipelineShared): Observable<ProxyEvent> {
  return names$.pipe(
    distinctUntilChanged((a, b) => a.length === b.length && a.every((x, i) => x === b[i])),
    switchMap((names) => merge(...names.map((name) => shared.upstreams.input$(flavor, name).pipe(map((input): ProxyEvent => ({ type: 'upstream', name, input })))))),
  );
}

function sidecarEvents(registration$: Observable<ServiceRecord | undefined>, shared: PipelineShared): Observable<ProxyEvent> {
  const { catalog } = shared;
  const proxy$ = registration$.pipe(filter((r): r is ServiceRecord => r?.Kind === 'connect-proxy'));
  const localService$ = proxy$.pipe(
    map((p) => p.Proxy?.DestinationServiceName || p.Service),
    distinctUntilChanged(),
  );
  const local$ = localService$.pipe(
    switchMap((service) =>
      combineLatest([
        catalog.configEntry$('service-defaults', service),
        catalog.configEntry$('service-intentions', service),
        catalog.configEntry$('service-intentions', '*'),
      ]),
    ),
    map(([defaults, own, wildcard]): ProxyEvent => ({
      type: 'local',
      defaults: defaults.value?.Entry as ServiceDefaultsEntry | undefined,
      intentions: [own.value, wildcard.value].filter((e) => e !== undefined).map((e) => e.Entry as unknown as ServiceIntentionsEntry),
    })),
  );
  const secrets = shared.secrets;
  const secrets$ = secrets
    ? localService$.pipe(
        switchMap((service) =>
          secrets(service).pipe(
            map((s): ProxyEvent => ({ type: 'secrets', resources: [s.leaf, s.roots] })),
            catchError((err: unknown) => {
              shared.logger.error({ service, err: err instanceof Error ? err.message : String(err) }, 'no certificates for this service: its sidecars get no secrets');
              return of<ProxyEvent>({ type: 'secrets', resources: [] });
            }),
          ),
        ),
      )
    : undefined;
  return merge(
    proxy$.pipe(map((proxy): ProxyEvent => ({ type: 'proxy', proxy }))),
    ...(secrets$ ? [secrets$] : []),
    (shared.intentionsDefault$ ?? of(shared.generate.intentionsDefaultAllow)).pipe(map((allow): ProxyEvent => ({ type: 'intentions-default', allow }))),
    catalog.configEntry$('proxy-defaults', 'global').pipe(map((s): ProxyEvent => ({ type: 'proxy-defaults', entry: s.value?.Entry as ProxyDefaultsEntry | undefined }))),
    local$,
    upstreamEvents(proxy$.pipe(map((proxy) => neededUpstreams({ kind: 'sidecar', proxy, targets: [] }))), 'sidecar', shared),
  );
}

function proxylessEvents(targets$: Observable<readonly string[]>, clusters$: Observable<readonly string[]>, shared: PipelineShared): Observable<ProxyEvent> {
  return merge(
    clusters$.pipe(map((clusters): ProxyEvent => ({ type: 'clusters', clusters }))),
    clusters$.pipe(
      distinctUntilChanged((a, b) => a.length === b.length && a.every((x, i) => x === b[i])),
      switchMap((names) => merge(...names.map((name) => shared.upstreams.cluster$(name).pipe(map((input): ProxyEvent => ({ type: 'held', name, input })))))),
    ),
    targets$.pipe(map((targets): ProxyEvent => ({ type: 'targets', targets }))),
    upstreamEvents(targets$.pipe(map((targets) => neededUpstreams({ kind: 'proxyless', proxy: undefined, targets }))), 'proxyless', shared),
  );
}
