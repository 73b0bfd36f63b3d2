import { z } from 'zod';
import { parseFilter } from '../filter/parse-filter.js';
import { commonFields, durationSchema, type Issue } from './common.js';

export const resolverSubsetSchema = z.strictObject({
  Filter: z.string().optional(),
  OnlyPassing: z.boolean().optional(),
});

const targetFields = {
  Service: z.string().optional(),
  ServiceSubset: z.string().optional(),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
  Datacenter: z.string().optional(),
  Peer: z.string().optional(),
};

export const resolverRedirectSchema = z.strictObject({ ...targetFields, SamenessGroup: z.string().optional() });

export const resolverFailoverSchema = z.strictObject({
  Service: z.string().optional(),
  ServiceSubset: z.string().optional(),
  Namespace: z.string().optional(),
  Datacenters: z.array(z.string()).optional(),
  Targets: z.array(z.strictObject(targetFields)).optional(),
  Policy: z.strictObject({ Mode: z.enum(['', 'default', 'order-by-locality']).optional(), Regions: z.array(z.string()).optional() }).optional(),
  SamenessGroup: z.string().optional(),
});

export const LB_POLICIES = ['', 'random', 'round_robin', 'least_request', 'ring_hash', 'maglev'] as const;

export const hashPolicySchema = z.strictObject({
  Field: z.enum(['', 'header', 'cookie', 'query_parameter']).optional(),
  FieldValue: z.string().optional(),
  CookieConfig: z
    .strictObject({ Session: z.boolean().optional(), TTL: durationSchema.optional(), Path: z.string().optional() })
    .optional(),
  SourceIP: z.boolean().optional(),
  Terminal: z.boolean().optional(),
});

export const loadBalancerSchema = z.strictObject({
  Policy: z.enum(LB_POLICIES, { error: `must be one of ${LB_POLICIES.filter((p) => p).join(', ')}` }).optional(),
  RingHashConfig: z
    .strictObject({
      MinimumRingSize: z.number().int().min(0).optional(),
      MaximumRingSize: z.number().int().min(0).optional(),
    })
    .optional(),
  LeastRequestConfig: z.strictObject({ ChoiceCount: z.number().int().min(0).optional() }).optional(),
  HashPolicies: z.array(hashPolicySchema).optional(),
});

/** `service-resolver`: which instances make up a service: subsets, default subset, redirect, failover, LB. */
export const serviceResolverSchema = z.strictObject({
  Kind: z.literal('service-resolver'),
  Name: z.string(),
  ...commonFields,
  ConnectTimeout: durationSchema.optional(),
  RequestTimeout: durationSchema.optional(),
  DefaultSubset: z.string().optional(),
  Subsets: z.record(z.string(), resolverSubsetSchema).optional(),
  Redirect: resolverRedirectSchema.optional(),
  Failover: z.record(z.string(), resolverFailoverSchema).optional(),
  LoadBalancer: loadBalancerSchema.optional(),
  PrioritizeByLocality: z.strictObject({ Mode: z.string().optional() }).optional(),
});

export type ServiceResolverEntry = Omit<z.output<typeof serviceResolverSchema>, 'CreateIndex' | 'ModifyIndex' | 'Hash'>;
export type ResolverSubset = z.output<typeof resolverSubsetSchema>;
export type ResolverFailover = z.output<typeof resolverFailoverSchema>;
export type LoadBalancer = z.output<typeof loadBalancerSchema>;

/** Consul's subset names are DNS labels: lower-case letters, digits and inner dashes. */
const SUBSET_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Consul's resolver rules (structs.ServiceResolverConfigEntry.Validate), in its order. */
export function validateServiceResolver(e: ServiceResolverEntry): Issue | undefined {
  if (e.Name === '') return { path: ['Name'], message: 'is required' };
  const subsets = e.Subsets ?? {};
  const isSubset = (s: string): boolean => Object.prototype.hasOwnProperty.call(subsets, s);
  for (const [name, subset] of Object.entries(subsets)) {
    if (name === '') return { path: ['Subsets'], message: 'a subset name must not be empty' };
    if (!SUBSET_NAME.test(name)) {
      return { path: ['Subsets', name], message: `subset name "${name}" is invalid: use lower-case letters, digits and dashes (a DNS label)` };
    }
    if (subset.Filter) {
      const f = parseFilter(subset.Filter);
      if (!f.ok) return { path: ['Subsets', name, 'Filter'], message: f.error };
    }
  }
  if (e.DefaultSubset && !isSubset(e.DefaultSubset)) {
    return { path: ['DefaultSubset'], message: `"${e.DefaultSubset}" is not a subset of this resolver` };
  }
  const r = e.Redirect;
  if (r) {
    if (e.Failover && Object.keys(e.Failover).length > 0) {
      return { path: ['Redirect'], message: 'Redirect and Failover cannot both be set' };
    }
    if (!r.Service && !r.ServiceSubset && !r.Namespace && !r.Partition && !r.Datacenter && !r.Peer && !r.SamenessGroup) {
      return { path: ['Redirect'], message: 'Redirect is empty' };
    }
    if (!r.Service && r.ServiceSubset) {
      return { path: ['Redirect', 'ServiceSubset'], message: 'defined without Redirect.Service' };
    }
    if (r.Service === e.Name && r.ServiceSubset && !isSubset(r.ServiceSubset)) {
      return { path: ['Redirect', 'ServiceSubset'], message: `"${r.ServiceSubset}" is not a valid subset of "${r.Service}"` };
    }
    if (r.Service === e.Name && !r.ServiceSubset && !r.Datacenter && !r.Peer) {
      return { path: ['Redirect', 'Service'], message: 'a redirect to the resolver\'s own service needs a ServiceSubset, Datacenter or Peer' };
    }
  }
  for (const [key, f] of Object.entries(e.Failover ?? {})) {
    if (key !== '*' && !isSubset(key)) {
      return { path: ['Failover', key], message: `"${key}" is not a subset of this resolver (use a subset name or "*")` };
    }
    const empty = !f.Service && !f.ServiceSubset && !f.Namespace && !(f.Targets?.length) && !(f.Datacenters?.length) && !f.SamenessGroup;
    if (empty) {
      return { path: ['Failover', key], message: 'one of Service, ServiceSubset, Namespace, Targets, SamenessGroup, or Datacenters is required' };
    }
    if (f.ServiceSubset && (!f.Service || f.Service === e.Name) && !isSubset(f.ServiceSubset)) {
      return { path: ['Failover', key, 'ServiceSubset'], message: `"${f.ServiceSubset}" is not a valid subset of "${e.Name}"` };
    }
    for (const [i, dc] of (f.Datacenters ?? []).entries()) {
      if (dc === '') return { path: ['Failover', key, 'Datacenters', i], message: 'found empty datacenter' };
    }
    if (f.Targets?.length && (f.Service || f.ServiceSubset || f.Namespace || f.Datacenters?.length)) {
      return { path: ['Failover', key, 'Targets'], message: 'Targets cannot be set with Service, ServiceSubset, Namespace, or Datacenters' };
    }
    for (const [i, t] of (f.Targets ?? []).entries()) {
      if (t.ServiceSubset && (!t.Service || t.Service === e.Name) && !isSubset(t.ServiceSubset)) {
        return { path: ['Failover', key, 'Targets', i, 'ServiceSubset'], message: `"${t.ServiceSubset}" is not a valid subset of "${e.Name}"` };
      }
    }
  }
  return validateLoadBalancer(e.LoadBalancer);
}

function validateLoadBalancer(lb: LoadBalancer | undefined): Issue | undefined {
  if (!lb) return undefined;
  const policy = lb.Policy ?? '';
  if (lb.RingHashConfig && policy !== 'ring_hash') {
    return { path: ['LoadBalancer', 'RingHashConfig'], message: `cannot be used with policy "${policy}" (only ring_hash)` };
  }
  if (lb.LeastRequestConfig && policy !== 'least_request') {
    return { path: ['LoadBalancer', 'LeastRequestConfig'], message: `cannot be used with policy "${policy}" (only least_request)` };
  }
  const rh = lb.RingHashConfig;
  if (rh?.MaximumRingSize && rh.MinimumRingSize !== undefined && rh.MinimumRingSize > rh.MaximumRingSize) {
    return { path: ['LoadBalancer', 'RingHashConfig', 'MinimumRingSize'], message: 'must be less than or equal to MaximumRingSize' };
  }
  if ((lb.HashPolicies?.length ?? 0) > 0 && policy !== 'ring_hash' && policy !== 'maglev') {
    return { path: ['LoadBalancer', 'HashPolicies'], message: `hash policies need a hash-based policy (ring_hash or maglev), not "${policy}"` };
  }
  for (const [i, hp] of (lb.HashPolicies ?? []).entries()) {
    const at = ['LoadBalancer', 'HashPolicies', i];
    if (hp.SourceIP && (hp.Field || hp.FieldValue)) {
      return { path: at, message: 'a single hash policy cannot hash both a source address and a field' };
    }
    if (!hp.SourceIP && !hp.Field) return { path: [...at, 'Field'], message: 'is required unless SourceIP is set' };
    if (hp.Field && !hp.FieldValue) return { path: [...at, 'FieldValue'], message: `is required with Field "${hp.Field}"` };
    if (hp.CookieConfig) {
      if (hp.Field !== 'cookie') return { path: [...at, 'CookieConfig'], message: `only applies to Field "cookie", not "${hp.Field ?? ''}"` };
      if (hp.CookieConfig.Session && hp.CookieConfig.TTL && hp.CookieConfig.TTL !== '0s') {
        return { path: [...at, 'CookieConfig'], message: 'a session cookie cannot have a TTL' };
      }
    }
  }
  return undefined;
}
