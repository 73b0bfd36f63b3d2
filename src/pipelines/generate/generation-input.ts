import type { CompiledChain, ServiceHealthLike } from '../chain/compiled-chain.js';
import type { ProxyDefaultsEntry } from '../../sources/config-entries/proxy-defaults.js';
import type { ServiceIntentionsEntry } from '../../sources/config-entries/service-intentions.js';
import type { CheckRecord, ServiceRecord } from '../../sources/store/catalog-state.js';
import type { Protocol } from '../chain/compiled-chain.js';

/** Which kind of client a configuration is for. */
export type Flavor = 'sidecar' | 'proxyless';

/**
 * One instance that may receive traffic for a service. `Service` and `Checks` are what a subset Filter and
 * health see (the service instance itself); `address:port` is where traffic goes: the instance for a
 * proxyless client, the instance's sidecar proxy (its public listener) for an Envoy sidecar. Immutable.
 */
export interface EndpointInstance extends ServiceHealthLike {
  readonly Service: ServiceRecord;
  /** The instance's checks (CheckRecords; the sidecar's own checks too for a sidecar endpoint). */
  readonly Checks: NonNullable<ServiceHealthLike['Checks']>;
  readonly address: string;
  readonly port: number;
}

/**
 * What the resources of one upstream service are made of: its compiled discovery chain (undefined while
 * it does not compile) and the instances of every service the chain's targets select from. Shared by every
 * proxy that has this upstream, and immutable: generation is memoized on its identity.
 */
export interface UpstreamInput {
  readonly service: string;
  /**
   * Whether the service exists for clients: it has instances, or a config entry (service-defaults, router,
   * splitter, resolver) names it. A proxyless client asking for a service that does not exist gets no listener.
   */
  readonly exists: boolean;
  readonly chain: CompiledChain | undefined;
  /** Service name -> its instances (sorted by ID), for every service in the chain. */
  readonly instances: Readonly<Record<string, readonly EndpointInstance[]>>;
}

/** Everything an Envoy sidecar's configuration is generated from. */
export interface SidecarInput {
  /** The connect-proxy registration (node.id is its ID). */
  readonly proxy: ServiceRecord;
  /** The protocol of the service the sidecar fronts (service-defaults, else proxy-defaults, else tcp). */
  readonly localProtocol: Protocol;
  readonly proxyDefaults: ProxyDefaultsEntry | undefined;
  /** service-intentions for the local service, and the wildcard `*` entry. */
  readonly intentions: readonly ServiceIntentionsEntry[];
  /** By upstream destination name. */
  readonly upstreams: Readonly<Record<string, UpstreamInput>>;
}

/** Everything a proxyless gRPC client's configuration is generated from. */
export interface ProxylessInput {
  /** The listener names the client asked for (`service` or `service:port`), sorted. */
  readonly targets: readonly string[];
  /** By service name (the part of a target before `:`). */
  readonly upstreams: Readonly<Record<string, UpstreamInput>>;
  /**
   * The clusters the client subscribes to (CDS names), sorted, and their own inputs by cluster name: one still
   * named after no route points at it any more (calls in flight hold it) keeps its cluster and endpoints.
   */
  readonly clusters?: readonly string[];
  readonly held?: Readonly<Record<string, UpstreamInput>>;
}

/** The service a proxyless target names: `backend` and `backend:50051` both name `backend`. */
export function targetService(target: string): string {
  const i = target.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(target.slice(i + 1)) ? target.slice(0, i) : target;
}

/** CheckRecords as the chain's health functions read them. */
export function asChecks(checks: readonly CheckRecord[]): EndpointInstance['Checks'] {
  return checks as unknown as EndpointInstance['Checks'];
}
