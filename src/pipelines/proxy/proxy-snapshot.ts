import { castDraft, produce } from 'immer';
import type { Resource } from '../../core/resource.js';
import type { ProxyDefaultsEntry } from '../../sources/config-entries/proxy-defaults.js';
import type { ServiceDefaultsEntry } from '../../sources/config-entries/service-defaults.js';
import type { ServiceIntentionsEntry } from '../../sources/config-entries/service-intentions.js';
import type { ServiceRecord } from '../../sources/store/catalog-state.js';
import type { Protocol } from '../chain/compiled-chain.js';
import { targetService, type ProxylessInput, type SidecarInput, type UpstreamInput } from '../generate/generation-input.js';

/**
 * What one proxy's configuration is made of, folded (with immer) from the slices its pipeline watches.
 * Unchanged parts keep their identity from one snapshot to the next, so generation can tell what changed.
 * A sidecar uses `proxy`, `localProtocol`, `proxyDefaults`, `intentions`; a proxyless client `targets`;
 * both `upstreams` (by destination / service name).
 */
export interface ProxySnapshot extends Omit<SidecarInput, 'proxy'>, ProxylessInput {
  readonly kind: 'sidecar' | 'proxyless';
  readonly proxy: ServiceRecord | undefined;
  readonly localDefaults: ServiceDefaultsEntry | undefined;
  readonly clusters: readonly string[];
  readonly held: Readonly<Record<string, UpstreamInput>>;
  /** sidecar: the SDS Secrets of its service (leaf and trust bundle), already encoded. */
  readonly secrets: readonly Resource[];
  /** sidecar: intentions' default in force (ACL default_policy allow → true); its RBAC is built from it. */
  readonly intentionsDefaultAllow: boolean;
  /** Which slices have arrived at least once (a proxy gets no configuration before all have). */
  readonly loaded: {
    readonly proxy: boolean;
    readonly proxyDefaults: boolean;
    readonly local: boolean;
    readonly targets: boolean;
    readonly secrets: boolean;
    readonly intentionsDefault: boolean;
  };
}

export type ProxyEvent =
  | { readonly type: 'proxy'; readonly proxy: ServiceRecord }
  | { readonly type: 'proxy-defaults'; readonly entry: ProxyDefaultsEntry | undefined }
  | { readonly type: 'local'; readonly defaults: ServiceDefaultsEntry | undefined; readonly intentions: readonly ServiceIntentionsEntry[] }
  | { readonly type: 'targets'; readonly targets: readonly string[] }
  | { readonly type: 'secrets'; readonly resources: readonly Resource[] }
  | { readonly type: 'intentions-default'; readonly allow: boolean }
  | { readonly type: 'upstream'; readonly name: string; readonly input: UpstreamInput }
  | { readonly type: 'clusters'; readonly clusters: readonly string[] }
  | { readonly type: 'held'; readonly name: string; readonly input: UpstreamInput };

/** `withSecrets`: a sidecar waits for its secrets before its first configuration (Envoy would wait for them anyway). */
export function initialProxySnapshot(kind: ProxySnapshot['kind'], withSecrets = false): ProxySnapshot {
  return {
    kind,
    proxy: undefined,
    localProtocol: 'tcp',
    localDefaults: undefined,
    proxyDefaults: undefined,
    intentions: [],
    targets: [],
    upstreams: {},
    clusters: [],
    held: {},
    secrets: [],
    intentionsDefaultAllow: true,
    loaded: { proxy: false, proxyDefaults: false, local: false, targets: false, secrets: !withSecrets, intentionsDefault: false },
  };
}

/** The upstream names a snapshot needs: a sidecar's destinations, a proxyless client's target services. */
export function neededUpstreams(s: Pick<ProxySnapshot, 'kind' | 'proxy' | 'targets'>): string[] {
  const names =
    s.kind === 'sidecar'
      ? (s.proxy?.Proxy?.Upstreams ?? []).filter((u) => !u.DestinationType || u.DestinationType === 'service').map((u) => u.DestinationName)
      : s.targets.map(targetService);
  return [...new Set(names)].sort();
}

/** Folds one event into the snapshot (a new object only if something changed). */
export function foldProxyEvent(state: ProxySnapshot, event: ProxyEvent): ProxySnapshot {
  return produce(state, (d) => {
    switch (event.type) {
      case 'proxy':
        d.proxy = castDraft(event.proxy);
        d.loaded.proxy = true;
        break;
      case 'proxy-defaults':
        d.proxyDefaults = event.entry;
        d.loaded.proxyDefaults = true;
        break;
      case 'local':
        d.localDefaults = event.defaults;
        if (!sameList(state.intentions, event.intentions)) d.intentions = [...event.intentions];
        d.loaded.local = true;
        break;
      case 'targets':
        if (!sameList(state.targets, event.targets)) d.targets = [...event.targets];
        d.loaded.targets = true;
        break;
      case 'upstream':
        d.upstreams[event.name] = castDraft(event.input);
        break;
      case 'clusters':
        if (!sameList(state.clusters, event.clusters)) {
          d.clusters = [...event.clusters];
          for (const name of Object.keys(state.held)) if (!event.clusters.includes(name)) delete d.held[name];
        }
        break;
      case 'held':
        if (state.clusters.includes(event.name)) d.held[event.name] = castDraft(event.input);
        break;
      case 'secrets':
        if (!sameList(state.secrets, event.resources)) d.secrets = castDraft([...event.resources]);
        d.loaded.secrets = true;
        break;
      case 'intentions-default':
        d.intentionsDefaultAllow = event.allow;
        d.loaded.intentionsDefault = true;
        break;
    }
    if (event.type === 'proxy' || event.type === 'targets') {
      const needed = new Set(neededUpstreams({ kind: state.kind, proxy: d.proxy, targets: d.targets }));
      for (const name of Object.keys(state.upstreams)) if (!needed.has(name)) delete d.upstreams[name];
    }
    const protocol = localProtocolOf(event.type === 'local' ? event.defaults : state.localDefaults, event.type === 'proxy-defaults' ? event.entry : state.proxyDefaults);
    if (protocol !== state.localProtocol) d.localProtocol = protocol;
  });
}

/** Whether every slice the proxy needs has arrived: only then is there a configuration to send. */
export function isReady(s: ProxySnapshot): boolean {
  const loaded =
    s.kind === 'sidecar' ? s.loaded.proxy && s.loaded.proxyDefaults && s.loaded.local && s.loaded.secrets && s.loaded.intentionsDefault : s.loaded.targets;
  return loaded && neededUpstreams(s).every((n) => s.upstreams[n] !== undefined) && s.clusters.every((n) => s.held[n] !== undefined);
}

/** The local service's protocol: its service-defaults, else proxy-defaults Config.protocol, else tcp. */
export function localProtocolOf(defaults: ServiceDefaultsEntry | undefined, proxyDefaults: ProxyDefaultsEntry | undefined): Protocol {
  if (defaults?.Protocol) return defaults.Protocol;
  const p = proxyDefaults?.Config?.['protocol'];
  if (typeof p === 'string') {
    const lower = p.toLowerCase();
    if (lower === 'http' || lower === 'http2' || lower === 'grpc' || lower === 'tcp') return lower;
  }
  return 'tcp';
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
