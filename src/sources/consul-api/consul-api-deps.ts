import type { SchedulerLike } from 'rxjs';
import type { Logger } from '../../core/logger.js';
import type { Result } from '../../core/result.js';
import type { Catalog } from '../catalog/catalog.js';
import type { SourceStatusRegistry } from '../source-status.js';
import type { CheckStatus } from '../store/catalog-state.js';
import type { StateStore } from '../store/state-store.js';
import type { NodeInfo } from './render.js';
import type { ConnectCaSource } from './connect-ca-routes.js';
import type { AclSource } from '../acl/acl-source.js';

/** A config entry as the validator returns it: Consul field names, `Kind` and `Name` set. */
export interface ValidConfigEntry {
  readonly Kind: string;
  readonly Name: string;
}

/** All stored config entries by `kind/name`, as the graph rules see them. */
export type ConfigEntryMap = ReadonlyMap<string, ValidConfigEntry>;

/**
 * Config entry validation (src/sources/config-entries: `parseConfigEntry`, `validateConfigEntryGraph`,
 * `validateDeletion`). Errors name the offending field; a refused entry is answered 400 and not stored.
 */
export interface ConfigEntryValidator {
  parse(raw: unknown): Result<ValidConfigEntry>;
  /** Would storing `candidate` next to `all` keep the set consistent? */
  validateGraph(all: ConfigEntryMap, candidate: ValidConfigEntry): Result<void>;
  /** Would deleting `kind/name` from `all` keep the set consistent? */
  validateDeletion(all: ConfigEntryMap, kind: string, name: string): Result<void>;
}

/** What the health-check runner needs to hear from the API beyond what the store shows. */
export interface HealthHooks {
  /**
   * A TTL check was updated through the API (pass/warn/fail/update): its TTL starts again, even when
   * status and output did not change (the store then records nothing).
   */
  ttlUpdated?(checkId: string, status: CheckStatus, output: string): void;
}

export interface ConsulApiDeps {
  readonly store: StateStore;
  readonly catalog: Catalog;
  /** Default: `consulConfigEntryValidator` (src/sources/config-entries). */
  readonly configEntries?: ConfigEntryValidator;
  readonly logger?: Logger;
  readonly sourceStatus?: SourceStatusRegistry;
  readonly health?: HealthHooks;
  readonly node?: Partial<NodeInfo>;
  /** Timers of blocking queries (virtual time in tests). */
  readonly scheduler?: SchedulerLike;
  /** For the blocking-query jitter; default Math.random. */
  readonly random?: () => number;
  /** Request body limit in bytes; default 1 MiB. */
  readonly bodyLimit?: number;
  readonly sidecarPorts?: { readonly min: number; readonly max: number };
  /** Told the number of blocking queries waiting whenever it changes (for a metrics gauge). */
  readonly onWaitingChange?: (waiting: number) => void;
  /** The built-in CA: mounts `GET /v1/connect/ca/roots` and `GET /v1/agent/connect/ca/leaf/:service`. */
  readonly ca?: ConnectCaSource;
  /** ACL tokens (CONTRACT section 5): every route is checked (acl-route-policy.ts). None: everything allowed. */
  readonly acl?: Pick<AclSource, 'authorize'>;
}
