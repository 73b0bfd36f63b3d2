import { z } from 'zod';
import { commonFields, type Issue } from './common.js';

export const meshGatewaySchema = z.strictObject({
  Mode: z.enum(['', 'none', 'local', 'remote']).optional(),
});

export const transparentProxySchema = z.strictObject({
  OutboundListenerPort: z.number().int().min(0).max(65535).optional(),
  DialedDirectly: z.boolean().optional(),
});

export const exposeSchema = z.strictObject({
  Checks: z.boolean().optional(),
  Paths: z
    .array(
      z.strictObject({
        ListenerPort: z.number().int().min(1).max(65535).optional(),
        Path: z.string().optional(),
        LocalPathPort: z.number().int().min(1).max(65535).optional(),
        Protocol: z.enum(['http', 'http2']).optional(),
      }),
    )
    .optional(),
});

export const proxyModeSchema = z.enum(['', 'direct', 'transparent']);
export const mutualTlsModeSchema = z.enum(['', 'strict', 'permissive']);

/**
 * `proxy-defaults`: mesh-wide proxy settings. Only one exists, named `global`. `Config` is opaque proxy
 * configuration (its keys are user data; `protocol` there is the mesh-wide default protocol).
 */
export const proxyDefaultsSchema = z.strictObject({
  Kind: z.literal('proxy-defaults'),
  Name: z.string(),
  ...commonFields,
  Config: z.record(z.string(), z.unknown()).optional(),
  Mode: proxyModeSchema.optional(),
  TransparentProxy: transparentProxySchema.optional(),
  MutualTLSMode: mutualTlsModeSchema.optional(),
  MeshGateway: meshGatewaySchema.optional(),
  Expose: exposeSchema.optional(),
  AccessLogs: z.record(z.string(), z.unknown()).optional(),
  EnvoyExtensions: z.array(z.record(z.string(), z.unknown())).optional(),
  PrioritizeByLocality: z.record(z.string(), z.unknown()).optional(),
  FailoverPolicy: z.record(z.string(), z.unknown()).optional(),
});

export type ProxyDefaultsEntry = Omit<z.output<typeof proxyDefaultsSchema>, 'CreateIndex' | 'ModifyIndex' | 'Hash'>;

export const PROXY_DEFAULTS_NAME = 'global';

export function validateProxyDefaults(e: ProxyDefaultsEntry): Issue | undefined {
  if (e.Name !== PROXY_DEFAULTS_NAME) {
    return { path: ['Name'], message: `invalid name "${e.Name}", only "${PROXY_DEFAULTS_NAME}" is supported` };
  }
  const protocol = e.Config?.['protocol'];
  if (protocol !== undefined && typeof protocol !== 'string') {
    return { path: ['Config', 'protocol'], message: 'must be a string' };
  }
  return undefined;
}
