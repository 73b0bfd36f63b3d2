import { z } from 'zod';
import { durationMs, formatGoDuration } from '../config-entries/duration.js';
import type { CheckDefinition, CheckStatus, CheckType } from '../store/catalog-state.js';

/** A check of a service definition, validated; `Definition` holds canonical duration strings. */
export interface CheckSpec {
  readonly CheckID?: string;
  readonly Name?: string;
  readonly Notes: string;
  readonly Status?: CheckStatus;
  readonly Type: CheckType;
  readonly Definition: CheckDefinition;
}

export const port = z.number().int().min(0).max(65535);

/** A Go duration string (or nanoseconds), stored in Go's canonical text: `90s` becomes `1m30s`. */
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = durationMs(v);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "10s", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return formatGoDuration(ms * 1e6);
});

/** A check in a service definition (`Check` or an item of `Checks`), keys already normalized. */
export const checkSchema = z
  .object({
    CheckID: z.string().min(1).optional(),
    ID: z.string().min(1).optional(),
    Name: z.string().optional(),
    Notes: z.string().optional(),
    Status: z.enum(['passing', 'warning', 'critical']).optional(),
    TTL: duration.optional(),
    HTTP: z.string().optional(),
    Method: z.string().regex(/^[A-Za-z]+$/, 'expected an HTTP method').optional(),
    Header: z.record(z.string(), z.array(z.string())).optional(),
    Body: z.string().optional(),
    TCP: z.string().optional(),
    GRPC: z.string().optional(),
    GRPCUseTLS: z.boolean().optional(),
    TLSServerName: z.string().optional(),
    TLSSkipVerify: z.boolean().optional(),
    Interval: duration.optional(),
    Timeout: duration.optional(),
    DeregisterCriticalServiceAfter: duration.optional(),
  })
  .superRefine((c, ctx) => {
    const kinds = (['TTL', 'HTTP', 'TCP', 'GRPC'] as const).filter((k) => c[k] !== undefined && c[k] !== '');
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'a check needs one of TTL, HTTP (with Interval), TCP (with Interval) or GRPC (with Interval); script, alias, UDP and H2PING checks are not supported'
            : `a check has exactly one of TTL, HTTP, TCP, GRPC (got ${kinds.join(', ')})`,
      });
      return;
    }
    const kind = kinds[0]!;
    if (kind === 'TTL') {
      if (durationMs(c.TTL) === 0) ctx.addIssue({ code: 'custom', path: ['TTL'], message: 'must be greater than 0' });
      return;
    }
    if (c.Interval === undefined || durationMs(c.Interval) === 0) {
      ctx.addIssue({ code: 'custom', path: ['Interval'], message: `must be greater than 0 for ${kind} checks` });
    }
    if (kind === 'HTTP') {
      let url: URL | undefined;
      try {
        url = new URL(c.HTTP!);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        ctx.addIssue({ code: 'custom', path: ['HTTP'], message: 'expected an http:// or https:// URL' });
      }
    }
    if (kind === 'TCP' && !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(c.TCP!)) {
      ctx.addIssue({ code: 'custom', path: ['TCP'], message: 'expected host:port' });
    }
    if (kind === 'GRPC' && !/^(\[[^\]]+\]|[^:\s/]+):\d{1,5}(\/.*)?$/.test(c.GRPC!)) {
      ctx.addIssue({ code: 'custom', path: ['GRPC'], message: 'expected host:port or host:port/service' });
    }
  });

export type CheckIn = z.infer<typeof checkSchema>;

export function toCheckSpec(c: CheckIn): CheckSpec {
  const type: CheckType = c.TTL ? 'ttl' : c.HTTP ? 'http' : c.TCP ? 'tcp' : 'grpc';
  const def: Record<string, unknown> = {};
  for (const k of ['TTL', 'HTTP', 'Method', 'Header', 'Body', 'TCP', 'GRPC', 'GRPCUseTLS', 'TLSServerName', 'TLSSkipVerify', 'Interval', 'Timeout', 'DeregisterCriticalServiceAfter'] as const) {
    if (c[k] !== undefined) def[k] = c[k];
  }
  return {
    ...(c.CheckID || c.ID ? { CheckID: c.CheckID ?? c.ID } : {}),
    ...(c.Name ? { Name: c.Name } : {}),
    Notes: c.Notes ?? '',
    ...(c.Status ? { Status: c.Status } : {}),
    Type: type,
    Definition: def as CheckDefinition,
  };
}
