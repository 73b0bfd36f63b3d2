import { z } from 'zod';
import { commonFields, type Issue } from './common.js';
import { exposeSchema, meshGatewaySchema, mutualTlsModeSchema, proxyModeSchema, transparentProxySchema } from './proxy-defaults.js';

/** The protocols Consul knows for a service; http, http2 and grpc allow L7 routing (routers, splitters). */
export const PROTOCOLS = ['tcp', 'http', 'http2', 'grpc'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const L7_PROTOCOLS: ReadonlySet<string> = new Set(['http', 'http2', 'grpc']);

export const protocolSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(PROTOCOLS, { error: `must be one of ${PROTOCOLS.join(', ')}` }));

const upstreamLimitsSchema = z.strictObject({
  MaxConnections: z.number().int().min(0).optional(),
  MaxPendingRequests: z.number().int().min(0).optional(),
  MaxConcurrentRequests: z.number().int().min(0).optional(),
});

const passiveHealthCheckSchema = z.strictObject({
  Interval: z.union([z.string(), z.number()]).optional(),
  MaxFailures: z.number().int().min(0).optional(),
  EnforcingConsecutive5xx: z.number().int().min(0).max(100).optional(),
  MaxEjectionPercent: z.number().int().min(0).max(100).optional(),
  BaseEjectionTime: z.union([z.string(), z.number()]).optional(),
});

const upstreamSettingsSchema = z.strictObject({
  Name: z.string().optional(),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
  Peer: z.string().optional(),
  Protocol: protocolSchema.optional(),
  ConnectTimeoutMs: z.number().int().min(0).optional(),
  Limits: upstreamLimitsSchema.optional(),
  PassiveHealthCheck: passiveHealthCheckSchema.optional(),
  MeshGateway: meshGatewaySchema.optional(),
  BalanceOutboundConnections: z.enum(['', 'exact_balance']).optional(),
});

/** `service-defaults`: per-service defaults, above all its `Protocol`. */
export const serviceDefaultsSchema = z.strictObject({
  Kind: z.literal('service-defaults'),
  Name: z.string(),
  ...commonFields,
  Protocol: protocolSchema.optional(),
  Mode: proxyModeSchema.optional(),
  TransparentProxy: transparentProxySchema.optional(),
  MutualTLSMode: mutualTlsModeSchema.optional(),
  MeshGateway: meshGatewaySchema.optional(),
  Expose: exposeSchema.optional(),
  ExternalSNI: z.string().optional(),
  UpstreamConfig: z
    .strictObject({
      Overrides: z.array(upstreamSettingsSchema).optional(),
      Defaults: upstreamSettingsSchema.optional(),
    })
    .optional(),
  Destination: z
    .strictObject({
      Addresses: z.array(z.string()).optional(),
      Port: z.number().int().min(0).max(65535).optional(),
    })
    .optional(),
  MaxInboundConnections: z.number().int().min(0).optional(),
  LocalConnectTimeoutMs: z.number().int().min(0).optional(),
  LocalRequestTimeoutMs: z.number().int().min(0).optional(),
  BalanceInboundConnections: z.enum(['', 'exact_balance']).optional(),
  RateLimits: z.record(z.string(), z.unknown()).optional(),
  EnvoyExtensions: z.array(z.record(z.string(), z.unknown())).optional(),
});

export type ServiceDefaultsEntry = Omit<z.output<typeof serviceDefaultsSchema>, 'CreateIndex' | 'ModifyIndex' | 'Hash'>;

export function validateServiceDefaults(e: ServiceDefaultsEntry): Issue | undefined {
  if (e.Name === '') return { path: ['Name'], message: 'is required' };
  for (const [i, o] of (e.UpstreamConfig?.Overrides ?? []).entries()) {
    if (!o.Name) return { path: ['UpstreamConfig', 'Overrides', i, 'Name'], message: 'is required' };
  }
  return undefined;
}
