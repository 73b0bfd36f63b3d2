import type { ProxyDefaultsEntry } from './proxy-defaults.js';
import type { ServiceDefaultsEntry } from './service-defaults.js';
import type { ServiceIntentionsEntry } from './service-intentions.js';
import type { ServiceResolverEntry } from './service-resolver.js';
import type { ServiceRouterEntry } from './service-router.js';
import type { ServiceSplitterEntry } from './service-splitter.js';

/** The config entry kinds rxds accepts (CONTRACT section 3). */
export const CONFIG_ENTRY_KINDS = [
  'proxy-defaults',
  'service-defaults',
  'service-router',
  'service-splitter',
  'service-resolver',
  'service-intentions',
] as const;

export type ConfigEntryKind = (typeof CONFIG_ENTRY_KINDS)[number];

/** A validated config entry, keys in Consul's PascalCase, durations in Go's canonical text ("5s", "1m0s"). */
export type ConfigEntry =
  | ProxyDefaultsEntry
  | ServiceDefaultsEntry
  | ServiceRouterEntry
  | ServiceSplitterEntry
  | ServiceResolverEntry
  | ServiceIntentionsEntry;

export type ConfigEntryOfKind<K extends ConfigEntryKind> = Extract<ConfigEntry, { Kind: K }>;

export function isConfigEntryKind(kind: unknown): kind is ConfigEntryKind {
  return typeof kind === 'string' && (CONFIG_ENTRY_KINDS as readonly string[]).includes(kind);
}

/** The key of an entry in a set of entries: `kind/name`, e.g. `service-resolver/backend`. */
export function configEntryKey(kind: string, name: string): string {
  return `${kind}/${name}`;
}

export function keyOf(entry: Pick<ConfigEntry, 'Kind' | 'Name'>): string {
  return configEntryKey(entry.Kind, entry.Name);
}
