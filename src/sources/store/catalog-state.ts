/**
 * The catalog: services, their checks and config entries, as one immutable (immer-frozen) value. Field
 * names follow Consul's JSON so records render without translation; `Owner` and `ParentServiceID` are
 * rxds bookkeeping and are never rendered. The maps are {@link PersistentMap}s (a write changes a map in
 * O(log n)); readers only ever see them as `ReadonlyMap`s.
 */
import { PersistentMap } from './persistent-map.js';

export type CheckStatus = 'passing' | 'warning' | 'critical';
export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

/** Who declared a record: `api` (HTTP registration) or `file:<path>` (a watched config file). */
export type Owner = string;
export const API_OWNER: Owner = 'api';

export interface ProxyUpstream {
  readonly DestinationType?: string;
  readonly DestinationName: string;
  readonly Datacenter?: string;
  readonly LocalBindAddress: string;
  readonly LocalBindPort: number;
  readonly Config?: Readonly<Record<string, unknown>>;
}

export interface ServiceProxy {
  readonly DestinationServiceName: string;
  readonly DestinationServiceID: string;
  readonly LocalServiceAddress: string;
  readonly LocalServicePort: number;
  readonly Upstreams: readonly ProxyUpstream[];
  readonly Config?: Readonly<Record<string, unknown>>;
  readonly Mode?: string;
}

export interface TaggedAddress {
  readonly Address: string;
  readonly Port: number;
}

export type ServiceKind = '' | 'connect-proxy';

export interface ServiceRecord {
  readonly ID: string;
  readonly Service: string;
  readonly Kind: ServiceKind;
  readonly Tags: readonly string[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Address: string;
  readonly Port: number;
  readonly Weights: { readonly Passing: number; readonly Warning: number };
  readonly EnableTagOverride: boolean;
  readonly TaggedAddresses?: Readonly<Record<string, TaggedAddress>>;
  readonly Proxy?: ServiceProxy;
  readonly Connect?: { readonly Native?: boolean };
  /** rxds: the service whose `Connect.SidecarService` registered this one. */
  readonly ParentServiceID?: string;
  readonly Owner: Owner;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export type CheckType = 'ttl' | 'http' | 'tcp' | 'grpc';

/** A check's definition as Consul shows it under `Definition` (durations as Go duration strings). */
export interface CheckDefinition {
  readonly TTL?: string;
  readonly HTTP?: string;
  readonly Method?: string;
  readonly Header?: Readonly<Record<string, readonly string[]>>;
  readonly Body?: string;
  readonly TCP?: string;
  readonly GRPC?: string;
  readonly GRPCUseTLS?: boolean;
  readonly TLSServerName?: string;
  readonly TLSSkipVerify?: boolean;
  readonly Interval?: string;
  readonly Timeout?: string;
  readonly DeregisterCriticalServiceAfter?: string;
}

export interface CheckRecord {
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: CheckStatus;
  readonly Notes: string;
  readonly Output: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  readonly Type: CheckType;
  readonly Definition: CheckDefinition;
  readonly Owner: Owner;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A config entry: `Entry` is the validated entry as the client sent it (Consul field names). */
export interface ConfigEntryRecord {
  readonly Kind: string;
  readonly Name: string;
  readonly Entry: Readonly<Record<string, unknown>>;
  readonly Owner: Owner;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/**
 * rxds-internal state kept in the store so that every replica sharing the store sees the same (e.g. the
 * Connect CA's roots, private keys included). `Value` is any JSON value. Never rendered by any API, admin
 * view or log: only the code that owns a key reads it.
 */
export interface SystemRecord {
  readonly Key: string;
  readonly Value: unknown;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export interface CatalogState {
  /** The store's index: grows by one with every write that changed something; never 0. */
  readonly index: number;
  /** By service ID. */
  readonly services: ReadonlyMap<string, ServiceRecord>;
  /** By check ID. */
  readonly checks: ReadonlyMap<string, CheckRecord>;
  /** By {@link configEntryKey}. */
  readonly configEntries: ReadonlyMap<string, ConfigEntryRecord>;
  /** rxds-internal records by key (see {@link SystemRecord}): not part of the catalog anyone sees. */
  readonly system: ReadonlyMap<string, SystemRecord>;
  /**
   * The index at which each watchable slice last changed (see {@link IndexKey}). Kept for deleted things
   * too, so that an answer's index never goes backwards; a key never written reads as 1.
   */
  readonly indexes: ReadonlyMap<string, number>;
}

/** Keys of {@link CatalogState.indexes}: what a blocking query on each endpoint waits for. */
export const IndexKey = {
  /** Any service added, changed or removed. */
  services: 'services',
  /** Any check added, changed or removed. */
  checks: 'checks',
  /** Any check added, re-registered or removed: not a status update (what the health runner follows). */
  checkDefinitions: 'check-definitions',
  /** An instance of this service name, or one of its checks, changed. */
  service: (name: string) => `service/${name}`,
  /** Any config entry. */
  config: 'config',
  /** Any config entry of this kind. */
  configKind: (kind: string) => `config/${kind}`,
  /** This config entry. */
  configEntry: (kind: string, name: string) => `config/${kind}/${name}`,
  /** This system record. */
  system: (key: string) => `system/${key}`,
} as const;

/**
 * The record maps of {@link CatalogState}, each persisted record by record under its key: the one list
 * every store implementation (and the touched-set merge) iterates, so a new kind of record is added once.
 */
export const STORE_TABLES = ['services', 'checks', 'configEntries', 'system'] as const;
export type StoreTable = (typeof STORE_TABLES)[number];

export function configEntryKey(kind: string, name: string): string {
  return `${kind}/${name}`;
}

export function indexOf(state: CatalogState, key: string): number {
  return state.indexes.get(key) ?? 1;
}

export type ServiceInput = Omit<ServiceRecord, 'CreateIndex' | 'ModifyIndex'>;
export type CheckInput = Omit<CheckRecord, 'CreateIndex' | 'ModifyIndex'>;
export type ConfigEntryInput = Omit<ConfigEntryRecord, 'CreateIndex' | 'ModifyIndex'>;

/**
 * One change in an atomic write. A write applies all its ops or none; ops whose result equals what is
 * stored change nothing (and a write that changes nothing does not advance the index).
 */
export type WriteOp =
  | { readonly type: 'service-put'; readonly service: ServiceInput }
  /** Removes the service and its checks. Removing an unknown service changes nothing. */
  | { readonly type: 'service-delete'; readonly id: string }
  /** The check's service (if any) must exist once the write is applied. */
  | { readonly type: 'check-put'; readonly check: CheckInput }
  /** Fails the write if the check does not exist. */
  | { readonly type: 'check-status'; readonly checkId: string; readonly status: CheckStatus; readonly output: string }
  | { readonly type: 'check-delete'; readonly checkId: string }
  /** `cas`: 0 = only if absent, N = only if its ModifyIndex is N; otherwise the write fails. */
  | { readonly type: 'config-put'; readonly entry: ConfigEntryInput; readonly cas?: number }
  | { readonly type: 'config-delete'; readonly kind: string; readonly name: string; readonly cas?: number }
  /** `value` must be JSON (plain objects, arrays, strings, finite numbers, booleans, null). `cas` as for config-put. */
  | { readonly type: 'system-put'; readonly key: string; readonly value: unknown; readonly cas?: number }
  /** Removing an unknown key changes nothing (unless `cas` is given and is not 0). */
  | { readonly type: 'system-delete'; readonly key: string; readonly cas?: number };

export const EMPTY_CATALOG_STATE: CatalogState = Object.freeze({
  index: 1,
  services: PersistentMap.empty<ServiceRecord>(),
  checks: PersistentMap.empty<CheckRecord>(),
  configEntries: PersistentMap.empty<ConfigEntryRecord>(),
  system: PersistentMap.empty<SystemRecord>(),
  indexes: PersistentMap.empty<number>(),
});
