import type { z } from 'zod';
import { normalizeKeys } from '../normalize-keys.js';
import { err, formatPath, ok, type Result } from '../../core/result.js';
import { stripServerFields, type Issue } from './common.js';
import { inputShapeProblem } from './input-shape.js';
import { CONFIG_ENTRY_KINDS, isConfigEntryKind, type ConfigEntry, type ConfigEntryKind } from './config-entry.js';
import { proxyDefaultsSchema, validateProxyDefaults } from './proxy-defaults.js';
import { serviceDefaultsSchema, validateServiceDefaults } from './service-defaults.js';
import { serviceIntentionsSchema, validateServiceIntentions, withPrecedence } from './service-intentions.js';
import { serviceResolverSchema, validateServiceResolver } from './service-resolver.js';
import { serviceRouterSchema, validateServiceRouter } from './service-router.js';
import { serviceSplitterSchema, validateServiceSplitter } from './service-splitter.js';

/** Fields whose keys are user data: kept verbatim by key normalization. */
const OPAQUE = new Set(['Meta', 'Config', 'Add', 'Set', 'EnvoyExtensions', 'LegacyMeta', 'RateLimits']);
/** Fields that are maps keyed by user-chosen names, with normalized values. */
const MAPS = new Set(['Subsets', 'Failover']);

interface KindSpec {
  readonly schema: z.ZodType;
  readonly validate: (e: never) => Issue | undefined;
  readonly finish?: (e: never) => ConfigEntry;
}

const KINDS: Readonly<Record<ConfigEntryKind, KindSpec>> = {
  'proxy-defaults': { schema: proxyDefaultsSchema, validate: validateProxyDefaults },
  'service-defaults': { schema: serviceDefaultsSchema, validate: validateServiceDefaults },
  'service-router': { schema: serviceRouterSchema, validate: validateServiceRouter },
  'service-splitter': { schema: serviceSplitterSchema, validate: validateServiceSplitter },
  'service-resolver': { schema: serviceResolverSchema, validate: validateServiceResolver },
  'service-intentions': { schema: serviceIntentionsSchema, validate: validateServiceIntentions, finish: withPrecedence },
};

/**
 * Parses and validates one config entry as Consul's `PUT /v1/config` accepts it: keys in PascalCase,
 * snake_case or any case (Meta, proxy Config and header maps kept verbatim; Subsets and Failover keyed by
 * user names), unknown fields refused, then the kind's own rules (Consul's `Validate`). Rules that involve
 * other entries (protocols, referenced subsets) are in validateConfigEntryGraph.
 *
 * The error names the offending field: `Splits[1].Weight: must be between 0 and 100 (got 120)`.
 */
export function parseConfigEntry(raw: unknown): Result<ConfigEntry> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return err('a config entry must be a JSON object');
  }
  const shape = inputShapeProblem(raw);
  if (shape) return err(`${formatPath(shape.path)}: ${shape.message}`, shape.path);
  const input = normalizeKeys(raw, { opaque: OPAQUE, maps: MAPS }) as Record<string, unknown>;
  const kind = input['Kind'];
  if (kind === undefined || kind === '') return err('Kind: is required', ['Kind']);
  if (!isConfigEntryKind(kind)) {
    return err(`Kind: unknown config entry kind ${JSON.stringify(kind)} (one of ${CONFIG_ENTRY_KINDS.join(', ')})`, ['Kind']);
  }
  if (typeof input['Name'] !== 'string' || input['Name'] === '') {
    return err('Name: is required', ['Name']);
  }
  const spec = KINDS[kind];
  const parsed = spec.schema.safeParse(input);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error.issues);
    return err(`${issue.where}: ${issue.message}`, issue.path);
  }
  const entry = stripServerFields(parsed.data as ConfigEntry & { CreateIndex?: unknown }) as ConfigEntry;
  const problem = spec.validate(entry as never);
  if (problem) return err(`${formatPath(problem.path) || '(entry)'}: ${problem.message}`, problem.path);
  return ok(spec.finish ? spec.finish(entry as never) : entry);
}

interface RawIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
  readonly values?: readonly unknown[];
  readonly errors?: readonly (readonly RawIssue[])[];
}

/** Turns zod's first issue into rxds wording: the field path, then what is wrong with it. */
function firstIssue(issues: readonly unknown[]): { where: string; path: (string | number)[]; message: string } {
  const i = issues[0] as RawIssue;
  let path = i.path.map((p) => (typeof p === 'number' ? p : String(p)));
  let message: string;
  switch (i.code) {
    case 'unrecognized_keys': {
      const key = i.keys?.[0] ?? '';
      path = [...path, key];
      message = 'unknown field';
      break;
    }
    case 'invalid_type':
      message = i.message.replace(/^Invalid input: /, '').replace('expected record', 'expected an object');
      if (/received undefined$/.test(message)) message = `is required (${message.replace(/, received undefined$/, '')})`;
      break;
    case 'invalid_value':
      if (!i.message.startsWith('Invalid')) {
        message = i.message;
        break;
      }
      message = `must be one of ${(i.values ?? []).map((v) => JSON.stringify(v)).filter((v) => v !== '""').join(', ')}`;
      break;
    case 'invalid_union': {
      const expected = (i.errors ?? []).map((e) => /expected (\w+)/.exec(e[0]?.message ?? '')?.[1]).filter(Boolean);
      message = expected.length ? `expected ${expected.join(' or ')}` : 'invalid value';
      break;
    }
    default:
      message = i.message.replace(/^Invalid input: /, '');
  }
  return { where: formatPath(path) || '(entry)', path, message };
}
