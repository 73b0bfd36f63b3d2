import { z } from 'zod';
import { commonFields, headerMatchSchema, validateHttpMatch, type Issue } from './common.js';

export const INTENTION_ACTIONS = ['allow', 'deny'] as const;
export type IntentionAction = (typeof INTENTION_ACTIONS)[number];

const actionSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(INTENTION_ACTIONS, { error: "must be 'allow' or 'deny'" }));

export const intentionPermissionSchema = z.strictObject({
  Action: actionSchema,
  HTTP: z
    .strictObject({
      PathExact: z.string().optional(),
      PathPrefix: z.string().optional(),
      PathRegex: z.string().optional(),
      Header: z.array(headerMatchSchema).optional(),
      Methods: z.array(z.string()).optional(),
    })
    .optional(),
});

export const intentionSourceSchema = z.strictObject({
  Name: z.string(),
  Peer: z.string().optional(),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
  SamenessGroup: z.string().optional(),
  Action: actionSchema.optional(),
  Permissions: z.array(intentionPermissionSchema).optional(),
  /** Read-only: computed by the server from the source and destination names (any value sent is replaced). */
  Precedence: z.number().optional(),
  Type: z.enum(['', 'consul']).optional(),
  Description: z.string().optional(),
  LegacyID: z.string().optional(),
  LegacyMeta: z.record(z.string(), z.string()).optional(),
  LegacyCreateTime: z.string().optional(),
  LegacyUpdateTime: z.string().optional(),
});

/** `service-intentions`: who may call the service named `Name` (`*` for every service). */
export const serviceIntentionsSchema = z.strictObject({
  Kind: z.literal('service-intentions'),
  Name: z.string(),
  ...commonFields,
  Sources: z.array(intentionSourceSchema).optional(),
});

export type ServiceIntentionsEntry = Omit<z.output<typeof serviceIntentionsSchema>, 'CreateIndex' | 'ModifyIndex' | 'Hash'>;
export type IntentionSource = z.output<typeof intentionSourceSchema>;
export type IntentionPermission = z.output<typeof intentionPermissionSchema>;

/**
 * Consul's intention precedence for the default namespace: an exact source and destination is the most
 * specific (9), a wildcard source to an exact destination 8, an exact source to a wildcard destination 6,
 * and wildcard to wildcard 5. Higher wins.
 */
export function intentionPrecedence(sourceName: string, destinationName: string): number {
  const srcExact = sourceName !== '*';
  const dstExact = destinationName !== '*';
  if (dstExact) return srcExact ? 9 : 8;
  return srcExact ? 6 : 5;
}

/** Sets each source's computed Precedence (Consul does the same on write). */
export function withPrecedence(e: ServiceIntentionsEntry): ServiceIntentionsEntry {
  if (!e.Sources) return e;
  return { ...e, Sources: e.Sources.map((s) => ({ ...s, Precedence: intentionPrecedence(s.Name, e.Name) })) };
}

/**
 * Consul's rules: each source has a Name, appears once, and has either an Action (L4) or Permissions (L7),
 * not both; each permission has an Action and a non-empty HTTP match with valid paths, headers and methods.
 */
export function validateServiceIntentions(e: ServiceIntentionsEntry): Issue | undefined {
  if (e.Name === '') return { path: ['Name'], message: 'is required' };
  const seen = new Map<string, number>();
  for (const [i, src] of (e.Sources ?? []).entries()) {
    const at = ['Sources', i];
    if (src.Name === '') return { path: [...at, 'Name'], message: 'is required' };
    const key = `${src.Peer ?? ''}/${src.SamenessGroup ?? ''}/${src.Name}`;
    const first = seen.get(key);
    if (first !== undefined) return { path: at, message: `defines "${src.Name}" more than once (as Sources[${first}])` };
    seen.set(key, i);
    const perms = src.Permissions ?? [];
    if (perms.length > 0 && src.Action !== undefined) {
      return { path: [...at, 'Action'], message: 'must be omitted if Permissions are specified' };
    }
    if (perms.length === 0 && src.Action === undefined) {
      return { path: [...at, 'Action'], message: "must be set to 'allow' or 'deny'" };
    }
    for (const [j, p] of perms.entries()) {
      const pat = [...at, 'Permissions', j];
      const http = p.HTTP;
      if (!http) return { path: [...pat, 'HTTP'], message: 'is required' };
      const issue = validateHttpMatch(http, [...pat, 'HTTP']);
      if (issue) return issue;
      const any = !!http.PathExact || !!http.PathPrefix || !!http.PathRegex || (http.Header?.length ?? 0) > 0 || (http.Methods?.length ?? 0) > 0;
      if (!any) return { path: [...pat, 'HTTP'], message: 'should not be empty' };
    }
  }
  return undefined;
}

/** True when some source uses L7 permissions (which need an HTTP-based protocol on the destination). */
export function hasL7Permissions(e: ServiceIntentionsEntry): boolean {
  return (e.Sources ?? []).some((s) => (s.Permissions?.length ?? 0) > 0);
}
