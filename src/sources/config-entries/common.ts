import { z } from 'zod';
import { formatGoDuration, parseGoDuration } from './duration.js';

/** A semantic rule violation found after the shape was accepted: where, and what is wrong. */
export interface Issue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Consul's limits on config-entry Meta: at most 64 pairs, keys up to 128 characters, values up to 512.
 * Keys are user data (never case-normalized).
 */
export const metaSchema = z
  .record(z.string(), z.string())
  .superRefine((meta, ctx) => {
    const keys = Object.keys(meta);
    if (keys.length > 64) ctx.addIssue({ code: 'custom', message: `at most 64 key/value pairs (got ${keys.length})` });
    for (const k of keys) {
      if (k === '') ctx.addIssue({ code: 'custom', message: 'keys must not be empty', path: [k] });
      else if (k.length > 128) ctx.addIssue({ code: 'custom', message: 'key is too long (max 128 characters)', path: [k] });
      else if (meta[k]!.length > 512) ctx.addIssue({ code: 'custom', message: 'value is too long (max 512 characters)', path: [k] });
    }
  });

/**
 * A duration as Consul accepts it: a Go duration string ("5s", "1m30s") or integer nanoseconds. Normalized to
 * Go's canonical text (what Consul's API shows back). Negative durations are refused, as Consul does.
 */
export const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  let ns: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) {
      ctx.addIssue({ code: 'custom', message: 'invalid duration' });
      return z.NEVER;
    }
    ns = v;
  } else {
    const r = parseGoDuration(v);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    ns = r.ns;
  }
  if (ns < 0) {
    ctx.addIssue({ code: 'custom', message: `must be >= 0 (got ${typeof v === 'string' ? `"${v}"` : v})` });
    return z.NEVER;
  }
  return formatGoDuration(ns);
});

/** rxds has one namespace and one partition, both "default" (Consul Enterprise fields, accepted for compatibility). */
const tenancySchema = z
  .string()
  .refine((s) => s === '' || s === 'default', { message: 'only "default" is supported' })
  .optional();

/** Fields every kind has. CreateIndex/ModifyIndex are accepted (so a read entry can be written back) and dropped. */
export const commonFields = {
  Namespace: tenancySchema,
  Partition: tenancySchema,
  Meta: metaSchema.optional(),
  CreateIndex: z.number().optional(),
  ModifyIndex: z.number().optional(),
  Hash: z.unknown().optional(),
};

export const nameSchema = z.string().min(1, { message: 'is required' });

/** Removes the server-managed fields a client may echo back. */
export function stripServerFields<T extends { CreateIndex?: unknown; ModifyIndex?: unknown; Hash?: unknown }>(
  entry: T,
): Omit<T, 'CreateIndex' | 'ModifyIndex' | 'Hash'> {
  const { CreateIndex: _c, ModifyIndex: _m, Hash: _h, ...rest } = entry;
  return rest;
}

export const HTTP_METHODS: ReadonlySet<string> = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE',
]);

/** A header (or query parameter) matcher of routers and intentions. */
export const headerMatchSchema = z.strictObject({
  Name: z.string(),
  Present: z.boolean().optional(),
  Exact: z.string().optional(),
  Prefix: z.string().optional(),
  Suffix: z.string().optional(),
  Contains: z.string().optional(),
  Regex: z.string().optional(),
  IgnoreCase: z.boolean().optional(),
  Invert: z.boolean().optional(),
});
export type HeaderMatch = z.output<typeof headerMatchSchema>;

/** Request/response header modifications (router destinations, splits). */
export const headerModifiersSchema = z.strictObject({
  Add: z.record(z.string(), z.string()).optional(),
  Set: z.record(z.string(), z.string()).optional(),
  Remove: z.array(z.string()).optional(),
});

/** Consul's rules for HTTP match criteria shared by router routes and intention permissions. */
export function validateHttpMatch(
  http: {
    PathExact?: string | undefined;
    PathPrefix?: string | undefined;
    PathRegex?: string | undefined;
    Header?: readonly HeaderMatch[] | undefined;
    Methods?: readonly string[] | undefined;
  },
  at: readonly (string | number)[],
): Issue | undefined {
  let pathParts = 0;
  for (const f of ['PathExact', 'PathPrefix', 'PathRegex'] as const) {
    const v = http[f];
    if (v === undefined || v === '') continue;
    pathParts++;
    if (f !== 'PathRegex' && !v.startsWith('/')) return { path: [...at, f], message: `doesn't start with '/': "${v}"` };
    if (f === 'PathRegex' && !isRegex(v)) return { path: [...at, f], message: `invalid regular expression "${v}"` };
  }
  if (pathParts > 1) return { path: at, message: 'should only contain at most one of PathExact, PathPrefix, or PathRegex' };
  for (const [j, h] of (http.Header ?? []).entries()) {
    const issue = validateHeaderMatch(h, [...at, 'Header', j], true);
    if (issue) return issue;
  }
  const seen = new Set<string>();
  for (const [j, m] of (http.Methods ?? []).entries()) {
    if (!HTTP_METHODS.has(m)) return { path: [...at, 'Methods', j], message: `invalid method "${m}"` };
    if (seen.has(m)) return { path: [...at, 'Methods', j], message: `"${m}" occurs more than once` };
    seen.add(m);
  }
  return undefined;
}

export function validateHeaderMatch(
  h: HeaderMatch,
  at: readonly (string | number)[],
  allowAffixes: boolean,
): Issue | undefined {
  if (h.Name === '') return { path: [...at, 'Name'], message: 'is required' };
  const set = [
    h.Present === true,
    !!h.Exact,
    !!h.Regex,
    allowAffixes && !!h.Prefix,
    allowAffixes && !!h.Suffix,
    allowAffixes && !!h.Contains,
  ].filter(Boolean).length;
  if (!allowAffixes && (h.Prefix || h.Suffix || h.Contains)) {
    return { path: at, message: 'query parameters match with Present, Exact or Regex only' };
  }
  if (set !== 1) {
    const kinds = allowAffixes ? 'Present, Exact, Prefix, Suffix, Contains, or Regex' : 'Present, Exact, or Regex';
    return { path: at, message: `should contain exactly one of ${kinds}` };
  }
  if (h.Regex && !isRegex(h.Regex)) return { path: [...at, 'Regex'], message: `invalid regular expression "${h.Regex}"` };
  return undefined;
}

export function isRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}
