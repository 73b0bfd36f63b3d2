import { z } from 'zod';
import { normalizeKeys } from '../normalize-keys.js';
import { inputShapeProblem } from '../config-entries/input-shape.js';
import type { ProxyUpstream, ServiceKind, TaggedAddress } from '../store/catalog-state.js';
import { err, formatPath, ok, type Result } from '../../core/result.js';
import { checkSchema, port, toCheckSpec, type CheckIn, type CheckSpec } from './check-definition.js';
import { firstPath, formatIssues } from './format-issues.js';

export type { CheckSpec } from './check-definition.js';

export interface ProxySpec {
  readonly DestinationServiceName?: string;
  readonly DestinationServiceID?: string;
  readonly LocalServiceAddress?: string;
  readonly LocalServicePort?: number;
  readonly Upstreams: readonly ProxyUpstream[];
  readonly Config?: Readonly<Record<string, unknown>>;
  readonly Mode?: string;
}

/** `Connect.SidecarService`: every field optional, filled from the parent as Consul does. */
export interface SidecarSpec {
  readonly ID?: string;
  readonly Name?: string;
  readonly Address?: string;
  readonly Port?: number;
  readonly Tags?: readonly string[];
  readonly Meta?: Readonly<Record<string, string>>;
  readonly Weights?: { readonly Passing: number; readonly Warning: number };
  readonly EnableTagOverride?: boolean;
  readonly Proxy?: ProxySpec;
  readonly Checks: readonly CheckSpec[];
}

/** A Consul agent service definition, validated and normalized (defaults applied, `Check` folded into `Checks`). */
export interface ServiceDefinition {
  readonly ID: string;
  readonly Name: string;
  readonly Kind: ServiceKind;
  readonly Address: string;
  readonly Port: number;
  readonly Tags: readonly string[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Weights: { readonly Passing: number; readonly Warning: number };
  readonly EnableTagOverride: boolean;
  readonly TaggedAddresses?: Readonly<Record<string, TaggedAddress>>;
  readonly Proxy?: ProxySpec;
  readonly Connect?: { readonly Native?: boolean };
  readonly Checks: readonly CheckSpec[];
  readonly SidecarService?: SidecarSpec;
}

const NORMALIZE = { opaque: new Set(['Meta', 'Config', 'Header']), maps: new Set(['TaggedAddresses']) };

const meta = z
  .record(z.string(), z.string())
  .superRefine((m, ctx) => {
    const keys = Object.keys(m);
    if (keys.length > 64) ctx.addIssue({ code: 'custom', message: 'at most 64 keys' });
    for (const k of keys) {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(k)) {
        ctx.addIssue({ code: 'custom', path: [k], message: 'keys are 1-128 letters, digits, "_" or "-"' });
      } else if (k.startsWith('consul-')) {
        ctx.addIssue({ code: 'custom', path: [k], message: 'the "consul-" prefix is reserved' });
      }
      if (m[k]!.length > 512) ctx.addIssue({ code: 'custom', path: [k], message: 'values are at most 512 characters' });
    }
  });

const weights = z.object({ Passing: z.number().int().min(1), Warning: z.number().int().min(0) });

const upstream = z.object({
  DestinationType: z.enum(['service']).optional(),
  DestinationName: z.string().min(1),
  Datacenter: z.string().optional(),
  LocalBindAddress: z.string().optional(),
  LocalBindPort: port.refine((p) => p > 0, 'must be greater than 0'),
  Config: z.record(z.string(), z.unknown()).optional(),
});

const proxy = z
  .object({
    DestinationServiceName: z.string().min(1).optional(),
    DestinationServiceID: z.string().min(1).optional(),
    LocalServiceAddress: z.string().optional(),
    LocalServicePort: port.optional(),
    Upstreams: z.array(upstream).optional(),
    Config: z.record(z.string(), z.unknown()).optional(),
    Mode: z.enum(['', 'direct', 'transparent']).optional(),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    (p.Upstreams ?? []).forEach((u, i) => {
      const bind = `${u.LocalBindAddress || '127.0.0.1'}:${u.LocalBindPort}`;
      if (seen.has(bind)) {
        ctx.addIssue({ code: 'custom', path: ['Upstreams', i, 'LocalBindPort'], message: `${bind} is already used by Upstreams[${seen.get(bind)}]` });
      } else seen.set(bind, i);
    });
  });

const serviceFields = {
  ID: z.string().min(1).optional(),
  Address: z.string().optional(),
  Port: port.optional(),
  Tags: z.array(z.string()).optional(),
  Meta: meta.optional(),
  Weights: weights.optional(),
  EnableTagOverride: z.boolean().optional(),
  Proxy: proxy.optional(),
  Check: checkSchema.optional(),
  Checks: z.array(checkSchema).optional(),
};

const sidecarSchema = z
  .object({
    ...serviceFields,
    Name: z.string().min(1).optional(),
    Kind: z.enum(['', 'connect-proxy']).optional(),
    Connect: z.object({ SidecarService: z.unknown().optional() }).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.Connect?.SidecarService !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['Connect', 'SidecarService'], message: 'a sidecar service cannot have its own sidecar' });
    }
  });

const serviceSchema = z
  .object({
    ...serviceFields,
    Name: z.string().min(1),
    Kind: z.enum(['', 'connect-proxy']).optional(),
    TaggedAddresses: z.record(z.string(), z.object({ Address: z.string(), Port: port })).optional(),
    Connect: z.object({ Native: z.boolean().optional(), SidecarService: sidecarSchema.optional() }).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.Kind === 'connect-proxy') {
      if (!s.Port) ctx.addIssue({ code: 'custom', path: ['Port'], message: 'must be set for a connect-proxy' });
      if (!s.Proxy?.DestinationServiceName) {
        ctx.addIssue({ code: 'custom', path: ['Proxy', 'DestinationServiceName'], message: 'must be set for a connect-proxy' });
      }
      if (s.Connect?.SidecarService) {
        ctx.addIssue({ code: 'custom', path: ['Connect', 'SidecarService'], message: 'a connect-proxy cannot have a sidecar' });
      }
    } else if (s.Proxy) {
      ctx.addIssue({ code: 'custom', path: ['Proxy'], message: 'only valid with Kind "connect-proxy"' });
    }
  });

function toProxySpec(p: z.infer<typeof proxy>): ProxySpec {
  return {
    ...(p.DestinationServiceName ? { DestinationServiceName: p.DestinationServiceName } : {}),
    ...(p.DestinationServiceID ? { DestinationServiceID: p.DestinationServiceID } : {}),
    ...(p.LocalServiceAddress ? { LocalServiceAddress: p.LocalServiceAddress } : {}),
    ...(p.LocalServicePort ? { LocalServicePort: p.LocalServicePort } : {}),
    Upstreams: (p.Upstreams ?? []).map((u) => ({
      DestinationType: u.DestinationType ?? 'service',
      DestinationName: u.DestinationName,
      ...(u.Datacenter ? { Datacenter: u.Datacenter } : {}),
      LocalBindAddress: u.LocalBindAddress || '127.0.0.1',
      LocalBindPort: u.LocalBindPort,
      ...(u.Config ? { Config: u.Config } : {}),
    })),
    ...(p.Config ? { Config: p.Config } : {}),
    ...(p.Mode ? { Mode: p.Mode } : {}),
  };
}

function checksOf(s: { Check?: CheckIn; Checks?: CheckIn[] }): CheckSpec[] {
  return [...(s.Check ? [s.Check] : []), ...(s.Checks ?? [])].map(toCheckSpec);
}

/**
 * Validates a Consul agent service definition (keys in PascalCase, snake_case or any case; `Meta` and
 * proxy `Config` kept verbatim). The error names the offending field.
 */
export function parseServiceDefinition(raw: unknown): Result<ServiceDefinition> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return err('a service definition must be a JSON object');
  }
  const shape = inputShapeProblem(raw);
  if (shape) return err(`${formatPath(shape.path)}: ${shape.message}`, shape.path);
  const parsed = serviceSchema.safeParse(normalizeKeys(raw, NORMALIZE));
  if (!parsed.success) return err(formatIssues(parsed.error), firstPath(parsed.error));
  const s = parsed.data;
  const sc = s.Connect?.SidecarService;
  const value: ServiceDefinition = {
    ID: s.ID ?? s.Name,
    Name: s.Name,
    Kind: s.Kind ?? '',
    Address: s.Address ?? '',
    Port: s.Port ?? 0,
    Tags: s.Tags ?? [],
    Meta: s.Meta ?? {},
    Weights: s.Weights ?? { Passing: 1, Warning: 1 },
    EnableTagOverride: s.EnableTagOverride ?? false,
    ...(s.TaggedAddresses ? { TaggedAddresses: s.TaggedAddresses } : {}),
    ...(s.Proxy ? { Proxy: toProxySpec(s.Proxy) } : {}),
    ...(s.Connect?.Native !== undefined ? { Connect: { Native: s.Connect.Native } } : {}),
    Checks: checksOf(s),
    ...(sc
      ? {
          SidecarService: {
            ...(sc.ID ? { ID: sc.ID } : {}),
            ...(sc.Name ? { Name: sc.Name } : {}),
            ...(sc.Address !== undefined ? { Address: sc.Address } : {}),
            ...(sc.Port ? { Port: sc.Port } : {}),
            ...(sc.Tags ? { Tags: sc.Tags } : {}),
            ...(sc.Meta ? { Meta: sc.Meta } : {}),
            ...(sc.Weights ? { Weights: sc.Weights } : {}),
            ...(sc.EnableTagOverride !== undefined ? { EnableTagOverride: sc.EnableTagOverride } : {}),
            ...(sc.Proxy ? { Proxy: toProxySpec(sc.Proxy) } : {}),
            Checks: checksOf(sc),
          },
        }
      : {}),
  };
  return ok(value);
}
