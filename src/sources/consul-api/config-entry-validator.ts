import {
  parseConfigEntry,
  validateConfigEntryGraph,
  validateDeletion,
  type ConfigEntry,
  type ConfigEntrySet,
} from '../config-entries/index.js';
import type { ConfigEntryValidator } from './consul-api-deps.js';

/** The API's config entry validation: src/sources/config-entries (Consul's rules for each kind and across entries). */
export const consulConfigEntryValidator: ConfigEntryValidator = {
  parse: parseConfigEntry,
  validateGraph: (all, candidate) => validateConfigEntryGraph(all as ConfigEntrySet, candidate as ConfigEntry),
  validateDeletion: (all, kind, name) => validateDeletion(all as ConfigEntrySet, kind, name),
};
