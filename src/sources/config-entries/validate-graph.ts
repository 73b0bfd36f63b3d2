import { err, formatPath, ok, type Result } from '../../core/result.js';
import { configEntryKey, keyOf, type ConfigEntry, type ConfigEntryKind, type ConfigEntryOfKind } from './config-entry.js';
import { PROXY_DEFAULTS_NAME } from './proxy-defaults.js';
import { L7_PROTOCOLS } from './service-defaults.js';
import { hasL7Permissions } from './service-intentions.js';

/** A set of config entries keyed by `kind/name` (see configEntryKey). */
export type ConfigEntrySet = ReadonlyMap<string, ConfigEntry>;

/** A rule broken by the set as a whole: which entry, which field, what. */
export interface GraphProblem {
  readonly entry: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

function get<K extends ConfigEntryKind>(all: ConfigEntrySet, kind: K, name: string): ConfigEntryOfKind<K> | undefined {
  return all.get(configEntryKey(kind, name)) as ConfigEntryOfKind<K> | undefined;
}

/**
 * The protocol of a service as Consul derives it: its service-defaults `Protocol`, else proxy-defaults
 * `Config.protocol`, else `tcp`.
 */
export function serviceProtocol(all: ConfigEntrySet, service: string): string {
  const sd = get(all, 'service-defaults', service);
  if (sd?.Protocol) return sd.Protocol;
  const global = get(all, 'proxy-defaults', PROXY_DEFAULTS_NAME)?.Config?.['protocol'];
  if (typeof global === 'string' && global !== '') return global.toLowerCase();
  return 'tcp';
}

function subsetNames(all: ConfigEntrySet, service: string): string[] {
  return Object.keys(get(all, 'service-resolver', service)?.Subsets ?? {});
}

/**
 * Every rule that spans entries, checked over the whole set (what Consul checks by compiling the discovery
 * chains an entry touches):
 * - a service with a service-router or service-splitter must use http, http2 or grpc;
 * - a ServiceSubset named by a route destination, a split, a resolver Redirect or Failover must be defined by
 *   the service-resolver of that service;
 * - L7 intentions (Permissions) need an HTTP-based protocol on their destination.
 */
export function graphProblems(all: ConfigEntrySet): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const subsetMustExist = (entry: string, path: (string | number)[], service: string, subset: string | undefined): void => {
    if (!subset) return;
    const names = subsetNames(all, service);
    if (names.includes(subset)) return;
    const known = names.length ? `service-resolver/${service} defines ${names.map((n) => `"${n}"`).join(', ')}` : `there is no service-resolver/${service} defining subsets`;
    problems.push({ entry, path, message: `service "${service}" does not have a subset named "${subset}" (${known})` });
  };
  for (const e of all.values()) {
    const key = keyOf(e);
    switch (e.Kind) {
      case 'service-router':
      case 'service-splitter': {
        const protocol = serviceProtocol(all, e.Name);
        if (!L7_PROTOCOLS.has(protocol)) {
          problems.push({
            entry: key,
            path: [],
            message: `service "${e.Name}" uses protocol "${protocol}", which does not permit routing or splitting (set Protocol to http, http2 or grpc in service-defaults/${e.Name} or in proxy-defaults/global Config.protocol)`,
          });
        }
        if (e.Kind === 'service-router') {
          for (const [i, r] of (e.Routes ?? []).entries()) {
            const d = r.Destination;
            if (d) subsetMustExist(key, ['Routes', i, 'Destination', 'ServiceSubset'], d.Service || e.Name, d.ServiceSubset);
          }
        } else {
          for (const [i, s] of e.Splits.entries()) {
            subsetMustExist(key, ['Splits', i, 'ServiceSubset'], s.Service || e.Name, s.ServiceSubset);
          }
        }
        break;
      }
      case 'service-resolver': {
        const r = e.Redirect;
        if (r?.Service && r.Service !== e.Name) subsetMustExist(key, ['Redirect', 'ServiceSubset'], r.Service, r.ServiceSubset);
        for (const [k, f] of Object.entries(e.Failover ?? {})) {
          if (f.Service && f.Service !== e.Name) subsetMustExist(key, ['Failover', k, 'ServiceSubset'], f.Service, f.ServiceSubset);
          for (const [i, t] of (f.Targets ?? []).entries()) {
            if (t.Service && t.Service !== e.Name) subsetMustExist(key, ['Failover', k, 'Targets', i, 'ServiceSubset'], t.Service, t.ServiceSubset);
          }
        }
        break;
      }
      case 'service-intentions': {
        if (!hasL7Permissions(e)) break;
        const protocol = serviceProtocol(all, e.Name);
        if (!L7_PROTOCOLS.has(protocol)) {
          const i = (e.Sources ?? []).findIndex((s) => (s.Permissions?.length ?? 0) > 0);
          problems.push({
            entry: key,
            path: ['Sources', i, 'Permissions'],
            message: `L7 permissions need service "${e.Name}" to use an HTTP-based protocol (http, http2 or grpc), but it uses "${protocol}"`,
          });
        }
        break;
      }
      default:
        break;
    }
  }
  return problems;
}

function describe(p: GraphProblem): string {
  const where = formatPath(p.path);
  return `${p.entry}: ${where ? `${where}: ` : ''}${p.message}`;
}

/**
 * Problems the change introduces: those of `after` that `before` did not have. An already-broken set (e.g.
 * restored from an older version) does not block unrelated writes; a write never makes it worse.
 */
function introduced(before: ConfigEntrySet, after: ConfigEntrySet): GraphProblem[] {
  const old = new Set(graphProblems(before).map(describe));
  return graphProblems(after).filter((p) => !old.has(describe(p)));
}

/**
 * Checks that writing `candidate` (already valid on its own, from parseConfigEntry) keeps the set consistent.
 * The error names the entry and field at fault; when the candidate breaks another entry (e.g. a resolver that
 * drops a subset a splitter uses, or service-defaults switching to tcp under a router), it says so.
 */
export function validateConfigEntryGraph(all: ConfigEntrySet, candidate: ConfigEntry): Result<void> {
  const after = new Map(all);
  after.set(keyOf(candidate), candidate);
  const added = introduced(all, after);
  if (added.length === 0) return ok(undefined);
  const own = added.find((p) => p.entry === keyOf(candidate));
  if (own) return err(describe(own), own.path);
  return err(`${keyOf(candidate)} would break ${describe(added[0]!)}`);
}

/**
 * Checks that deleting `kind/name` keeps the set consistent. As in Consul (which re-validates the affected
 * discovery chains on delete), deleting a resolver whose subsets are still referenced, or the service-defaults
 * that makes a routed service http, is refused with the referencing entry named.
 */
export function validateDeletion(all: ConfigEntrySet, kind: string, name: string): Result<void> {
  const key = configEntryKey(kind, name);
  if (!all.has(key)) return ok(undefined);
  const after = new Map(all);
  after.delete(key);
  const added = introduced(all, after);
  if (added.length === 0) return ok(undefined);
  return err(`cannot delete ${key}: ${describe(added[0]!)}`);
}

/** Validates a whole set at once (e.g. the entries of a declarative file): the first problem, if any. */
export function validateConfigEntrySet(all: ConfigEntrySet): Result<void> {
  const p = graphProblems(all)[0];
  return p ? err(describe(p), p.path) : ok(undefined);
}
