import { z } from 'zod';
import { commonFields, headerModifiersSchema, type Issue } from './common.js';

export const serviceSplitSchema = z.strictObject({
  Weight: z.number(),
  Service: z.string().optional(),
  ServiceSubset: z.string().optional(),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
  RequestHeaders: headerModifiersSchema.optional(),
  ResponseHeaders: headerModifiersSchema.optional(),
});

/** `service-splitter`: weighted split of a service's traffic across subsets or services. */
export const serviceSplitterSchema = z.strictObject({
  Kind: z.literal('service-splitter'),
  Name: z.string(),
  ...commonFields,
  Splits: z.array(serviceSplitSchema),
});

export type ServiceSplitterEntry = Omit<z.output<typeof serviceSplitterSchema>, 'CreateIndex' | 'ModifyIndex' | 'Hash'>;
export type ServiceSplit = z.output<typeof serviceSplitSchema>;

/** Weights are percentages with a resolution of 0.01 (Consul scales them to integers out of 10000). */
export function scaledWeight(weight: number): number {
  return Math.round(weight * 100);
}

/**
 * Consul's rules: at least one split; no destination (service + subset) twice; each weight between 0 and 100
 * with at most two decimals; the weights add up to 100 (compared at 0.01 resolution, as Consul does).
 */
export function validateServiceSplitter(e: ServiceSplitterEntry): Issue | undefined {
  if (e.Name === '') return { path: ['Name'], message: 'is required' };
  if (e.Splits.length === 0) return { path: ['Splits'], message: 'no splits configured' };
  const seen = new Map<string, number>();
  for (const [i, s] of e.Splits.entries()) {
    if (!Number.isFinite(s.Weight) || s.Weight < 0 || s.Weight > 100) {
      return { path: ['Splits', i, 'Weight'], message: `must be between 0 and 100 (got ${s.Weight})` };
    }
    if (Math.abs(s.Weight * 100 - scaledWeight(s.Weight)) > 1e-6) {
      return { path: ['Splits', i, 'Weight'], message: `at most two decimals are allowed, the smallest step is 0.01 (got ${s.Weight})` };
    }
    const key = `${s.Service || e.Name}\u0000${s.ServiceSubset ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) {
      return {
        path: ['Splits', i],
        message: `split destination occurs more than once (as Splits[${first}]): service "${s.Service || e.Name}", subset "${s.ServiceSubset ?? ''}"`,
      };
    }
    seen.set(key, i);
  }
  const sum = e.Splits.reduce((acc, s) => acc + scaledWeight(s.Weight), 0);
  if (sum !== 10000) {
    return { path: ['Splits'], message: `the sum of all split weights must be 100, not ${+(sum / 100).toFixed(2)}` };
  }
  return undefined;
}
