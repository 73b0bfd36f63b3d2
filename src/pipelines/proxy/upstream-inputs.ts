import { freeze } from 'immer';
import { combineLatest, distinctUntilChanged, map, Observable, of, switchMap, type SchedulerLike } from 'rxjs';
import type { Logger } from '../../core/logger.js';
import type { Catalog } from '../../sources/catalog/catalog.js';
import type { ServiceHealth } from '../../sources/catalog/health-status.js';
import { sameElements } from '../../sources/catalog/slice.js';
import type { ConfigEntry } from '../../sources/config-entries/config-entry.js';
import { chainServices } from '../chain/chain-dependencies.js';
import { compiledChain$ } from '../chain/compiled-chain-stream.js';
import type { ChainEntries, CompiledChain } from '../chain/compiled-chain.js';
import { asChecks, type EndpointInstance, type Flavor, type UpstreamInput } from '../generate/generation-input.js';
import { jsonEqual } from '../../sources/store/json-equal.js';
import { compileHeldCluster } from './held-cluster.js';
import { sharedFamily } from './shared-family.js';
import { trustDomain$ as trustDomainStream, type TrustDomain } from './trust-domain.js';

export interface UpstreamInputsOptions {
  readonly catalog: Catalog;
  /**
   * The trust domain the chains are compiled for (cluster names, SNI, SAN); an Observable to follow the CA:
   * each change recompiles every chain and held cluster, so every upstream input emits again.
   */
  readonly trustDomain: TrustDomain;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  /** Address of an instance registered without one (the agent's node address, as in Consul). */
  readonly nodeAddress?: string;
}

/** Entry kinds that make a service exist for clients even without instances. */
const CHAIN_KINDS = ['service-defaults', 'service-router', 'service-splitter', 'service-resolver'] as const;

/**
 * The inputs of upstream resources, one shared Observable per (flavor, service) for every proxy that
 * has that upstream: the service's compiled discovery chain and the instances of every service its
 * targets draw from. Each emits only when its chain or those instances change, with a new frozen
 * {@link UpstreamInput} (what generation memoizes on). A proxyless client's endpoints are the service
 * instances themselves; an Envoy sidecar's are the instances' sidecar proxies (address and port of the
 * proxy, checks of both, the instance's tags and meta for subset filters, as Consul does). Inputs wait for
 * the trust domain's first value.
 */
export class UpstreamInputs {
  readonly input$: (flavor: Flavor, service: string) => Observable<UpstreamInput>;
  /**
   * The input of one cluster a proxyless client subscribes to by name (Consul's SNI form), whether or not a
   * route points at it: a one-resolver chain for its service/subset and that resolver's instances; no chain
   * (exists false) when the name does not name a subset or service that exists. See compileHeldCluster.
   */
  readonly cluster$: (name: string) => Observable<UpstreamInput>;
  /** Every config entry by `kind/name`, rebuilt once per change of any entry. */
  readonly entries$: Observable<ChainEntries>;

  constructor(options: UpstreamInputsOptions) {
    const { catalog, scheduler, logger } = options;
    const nodeAddress = options.nodeAddress ?? '127.0.0.1';
    const trustDomain$ = trustDomainStream(options.trustDomain);
    this.entries$ = sharedFamily(
      () =>
        catalog.allConfigEntries$.pipe(
          map((slice) => {
            const m = new Map<string, ConfigEntry>();
            for (const r of slice.value) m.set(`${r.Kind}/${r.Name}`, r.Entry as unknown as ConfigEntry);
            return m as ChainEntries;
          }),
        ),
      scheduler,
    )('all');

    const chain$ = sharedFamily(
      (service) =>
        new Observable<CompiledChain | undefined>((subscriber) => {
          let emitted = false;
          // A new trust domain compiles the chain again from the current entries (its names all change).
          return trustDomain$
            .pipe(
              switchMap((trustDomain) =>
                compiledChain$(service, this.entries$, {
                  trustDomain,
                  onError: (err) => {
                    logger.warn({ service, err: err instanceof Error ? err.message : String(err) }, 'discovery chain does not compile: keeping the previous one');
                    if (!emitted) {
                      emitted = true;
                      subscriber.next(undefined);
                    }
                  },
                }),
              ),
            )
            .subscribe({
              next: (chain) => {
                emitted = true;
                subscriber.next(chain);
              },
              error: (e) => subscriber.error(e),
              complete: () => subscriber.complete(),
            });
        }),
      scheduler,
    );

    const exists$ = sharedFamily(
      (service) =>
        combineLatest([
          catalog.service$(service).pipe(map((s) => s.value.length > 0)),
          this.entries$.pipe(map((entries) => CHAIN_KINDS.some((k) => entries.has(`${k}/${service}`)))),
        ]).pipe(
          map(([a, b]) => a || b),
          distinctUntilChanged(),
        ),
      scheduler,
    );

    const direct$ = sharedFamily(
      (service) => catalog.serviceHealth$(service).pipe(map((slice) => freeze(slice.value.map((h) => instance(h, nodeAddress)), true))),
      scheduler,
    );

    const viaSidecars$ = sharedFamily(
      (service) =>
        // The connect proxies of this destination only (a store index): a write to another service costs a
        // lookup here, not a scan of every service.
        catalog.sidecarsOf$(service).pipe(
          map((slice) => slice.value),
          distinctUntilChanged(sameElements),
          switchMap((proxies) => {
            const names = [...new Set(proxies.map((p) => p.Service))].sort();
            return combineLatest([catalog.serviceHealth$(service), ...names.map((n) => catalog.serviceHealth$(n))]).pipe(
              map(([dest, ...sidecars]) => freeze(sidecarInstances(dest!.value, sidecars.flatMap((s) => s.value), service, nodeAddress), true)),
            );
          }),
        ),
      scheduler,
    );

    const instances$ = (flavor: Flavor, service: string) => (flavor === 'sidecar' ? viaSidecars$(service) : direct$(service));

    const inputs = sharedFamily((key) => {
      const [flavor, service] = JSON.parse(key) as [Flavor, string];
      return combineLatest([chain$(service), exists$(service)]).pipe(
        switchMap(([chain, exists]) => {
          if (!chain) return of(freeze<UpstreamInput>({ service, exists, chain: undefined, instances: {} }));
          const services = chainServices(chain);
          return combineLatest(services.map((s) => instances$(flavor, s))).pipe(
            map((lists) => {
              const instances: Record<string, readonly EndpointInstance[]> = {};
              services.forEach((s, i) => (instances[s] = lists[i]!));
              return Object.freeze<UpstreamInput>({ service, exists, chain, instances: Object.freeze(instances) });
            }),
          );
        }),
      );
    }, scheduler);
    this.input$ = (flavor, service) => inputs(JSON.stringify([flavor, service]));

    const NO_CLUSTER = freeze<UpstreamInput>({ service: '', exists: false, chain: undefined, instances: {} });
    this.cluster$ = sharedFamily(
      (name) =>
        combineLatest([trustDomain$, this.entries$]).pipe(
          map(([trustDomain, entries]) => compileHeldCluster(name, trustDomain, entries)),
          distinctUntilChanged((a, b) => jsonEqual(a, b)),
          switchMap((chain) => {
            if (!chain) return of(NO_CLUSTER);
            const services = chainServices(chain);
            return combineLatest([exists$(chain.serviceName), ...services.map((s) => direct$(s))]).pipe(
              map(([exists, ...lists]) => {
                if (!exists) return NO_CLUSTER;
                const instances: Record<string, readonly EndpointInstance[]> = {};
                services.forEach((s, i) => (instances[s] = lists[i] as readonly EndpointInstance[]));
                return Object.freeze<UpstreamInput>({ service: chain.serviceName, exists: true, chain, instances: Object.freeze(instances) });
              }),
            );
          }),
        ),
      scheduler,
    );
  }
}

function instance(h: ServiceHealth, nodeAddress: string): EndpointInstance {
  return { Service: h.service, Checks: asChecks(h.checks), address: h.service.Address || nodeAddress, port: h.service.Port };
}

/**
 * Sidecar endpoints of a service: each connect-proxy fronting one of its instances, reached at the
 * proxy's address and port, healthy only if both the proxy and the instance are (Consul's alias check).
 */
function sidecarInstances(dest: readonly ServiceHealth[], sidecars: readonly ServiceHealth[], service: string, nodeAddress: string): EndpointInstance[] {
  const byId = new Map(dest.map((d) => [d.service.ID, d]));
  const out: EndpointInstance[] = [];
  for (const p of sidecars) {
    if (p.service.Kind !== 'connect-proxy' || p.service.Proxy?.DestinationServiceName !== service) continue;
    const d = byId.get(p.service.Proxy.DestinationServiceID);
    if (!d) continue;
    out.push({
      Service: d.service,
      Checks: asChecks([...d.checks, ...p.checks]),
      address: p.service.Address || d.service.Address || nodeAddress,
      port: p.service.Port,
    });
  }
  return out.sort((a, b) => (a.Service.ID < b.Service.ID ? -1 : a.Service.ID > b.Service.ID ? 1 : 0));
}
