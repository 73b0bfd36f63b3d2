import type { AclPolicy } from '../file/acl-config.js';

export type Access = 'read' | 'write';

/**
 * What one caller may do (CONTRACT section 5). Rules follow Consul's: an explicit rule for a resource
 * wins over the default policy; `Operator: write` may do everything, `Operator: read` may read everything.
 * A `Service: web` rule also covers web's sidecar identity `web-sidecar-proxy` (as a Consul service
 * identity does), so a token for web may register and configure web's sidecars.
 */
export interface Authorizer {
  /** False only with default policy deny for a caller without a known token: refused everywhere. */
  readonly authenticated: boolean;
  /** Names the caller in messages and logs (AccessorID or Description, never the secret). */
  readonly label: string;
  /** Why an unauthenticated caller is refused (`anonymous token`, `ACL not found`). */
  readonly refusal?: string;
  /** May read every service (no need to filter lists). */
  readonly readsEverything: boolean;
  serviceRead(name: string): boolean;
  serviceWrite(name: string): boolean;
  operatorRead(): boolean;
  operatorWrite(): boolean;
}

export const SIDECAR_SUFFIX = '-sidecar-proxy';

const rank = (a: Access | undefined): number => (a === 'write' ? 2 : a === 'read' ? 1 : 0);
const max = (a: Access | undefined, b: Access): Access => (rank(b) > rank(a) ? b : (a ?? b));

export interface AuthorizerOptions {
  readonly defaultAllow: boolean;
  readonly policies: readonly AclPolicy[];
  readonly label: string;
  readonly authenticated: boolean;
  readonly refusal?: string;
}

/** An Authorizer from a token's policies (none for anonymous) and the default policy. */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const services = new Map<string, Access>();
  let operator: Access | undefined;
  for (const p of options.policies) {
    if ('Operator' in p) operator = max(operator, p.Operator);
    else {
      services.set(p.Service, max(services.get(p.Service), p.Access));
      services.set(p.Service + SIDECAR_SUFFIX, max(services.get(p.Service + SIDECAR_SUFFIX), p.Access));
    }
  }
  const allow = options.defaultAllow && options.authenticated;
  const opRead = options.authenticated && (operator !== undefined || allow);
  const opWrite = options.authenticated && (operator === 'write' || (operator === undefined && allow));
  const serviceRule = (name: string): Access | undefined => (options.authenticated ? services.get(name) : undefined);
  // Explicit operator rules reach every service; an explicit service rule beats the default policy.
  const explicitRead = options.authenticated && operator !== undefined;
  const explicitWrite = options.authenticated && operator === 'write';
  return {
    authenticated: options.authenticated,
    label: options.label,
    ...(options.refusal ? { refusal: options.refusal } : {}),
    readsEverything: opRead || allow,
    serviceRead: (name) => explicitRead || serviceRule(name) !== undefined || (allow && !services.has(name)),
    serviceWrite: (name) => explicitWrite || serviceRule(name) === 'write' || (allow && !services.has(name)),
    operatorRead: () => opRead,
    operatorWrite: () => opWrite,
  };
}

/** Everything allowed: ACLs not configured. */
export const ALLOW_ALL: Authorizer = createAuthorizer({ defaultAllow: true, policies: [], label: 'anonymous', authenticated: true });
