import { durationMs } from '../../sources/config-entries/duration.js';
import type { LoadBalancer as LoadBalancerEntry } from '../../sources/config-entries/service-resolver.js';
import type { HashPolicy, LoadBalancer } from './compiled-chain.js';

/** A resolver's LoadBalancer in chain form; undefined when it sets no policy (Envoy's default, round robin). */
export function toLoadBalancer(lb: LoadBalancerEntry | undefined): LoadBalancer | undefined {
  if (!lb?.Policy) return undefined;
  const rh = lb.RingHashConfig;
  const lr = lb.LeastRequestConfig;
  return {
    policy: lb.Policy,
    ...(rh && lb.Policy === 'ring_hash'
      ? {
          ringHash: {
            ...(rh.MinimumRingSize !== undefined ? { minimumRingSize: rh.MinimumRingSize } : {}),
            ...(rh.MaximumRingSize !== undefined ? { maximumRingSize: rh.MaximumRingSize } : {}),
          },
        }
      : {}),
    ...(lr && lb.Policy === 'least_request'
      ? { leastRequest: lr.ChoiceCount !== undefined ? { choiceCount: lr.ChoiceCount } : {} }
      : {}),
    hashPolicies: lb.Policy === 'ring_hash' || lb.Policy === 'maglev' ? (lb.HashPolicies ?? []).map(toHashPolicy) : [],
  };
}

function toHashPolicy(hp: NonNullable<LoadBalancerEntry['HashPolicies']>[number]): HashPolicy {
  const c = hp.CookieConfig;
  const ttlMs = durationMs(c?.TTL);
  return {
    ...(hp.Field ? { field: hp.Field } : {}),
    ...(hp.FieldValue ? { fieldValue: hp.FieldValue } : {}),
    ...(c
      ? {
          cookieConfig: {
            ...(c.Session !== undefined ? { session: c.Session } : {}),
            ...(ttlMs ? { ttlMs } : {}),
            ...(c.Path ? { path: c.Path } : {}),
          },
        }
      : {}),
    ...(hp.SourceIP ? { sourceIp: true } : {}),
    ...(hp.Terminal ? { terminal: true } : {}),
  };
}
