import type { ChainTarget } from './compiled-chain.js';

/** rxds has one namespace, one partition and one datacenter (CONTRACT section 3/4). */
export const NAMESPACE = 'default';
export const PARTITION = 'default';
export const DATACENTER = 'dc1';

/** Consul's target id: `[<subset>.]<service>.default.default.dc1`. */
export function targetId(service: string, subset?: string): string {
  return `${subset ? `${subset}.` : ''}${service}.${NAMESPACE}.${PARTITION}.${DATACENTER}`;
}

/** Consul's SNI (and rxds's cluster name): `[<subset>.]<service>.default.dc1.internal.<trust-domain>`. */
export function targetSni(service: string, trustDomain: string, subset?: string): string {
  return `${subset ? `${subset}.` : ''}${service}.${NAMESPACE}.${DATACENTER}.internal.${trustDomain}`;
}

/** The SPIFFE ID of a service (CONTRACT section 3). */
export function serviceSpiffeId(service: string, trustDomain: string): string {
  return `spiffe://${trustDomain}/ns/${NAMESPACE}/dc/${DATACENTER}/svc/${service}`;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export function makeTarget(opts: {
  service: string;
  subset: string | undefined;
  trustDomain: string;
  filter: string | undefined;
  onlyPassing: boolean;
  connectTimeoutMs: number;
}): ChainTarget {
  const { service, subset, trustDomain } = opts;
  return {
    id: targetId(service, subset),
    service,
    ...(subset ? { subset } : {}),
    sni: targetSni(service, trustDomain, subset),
    spiffeId: serviceSpiffeId(service, trustDomain),
    ...(opts.filter ? { filter: opts.filter } : {}),
    onlyPassing: opts.onlyPassing,
    connectTimeoutMs: opts.connectTimeoutMs,
  };
}

/** Node keys, as Consul names graph nodes. */
export const nodeKey = {
  router: (service: string): string => `router:${targetId(service)}`,
  splitter: (service: string): string => `splitter:${targetId(service)}`,
  resolver: (id: string): string => `resolver:${id}`,
} as const;
