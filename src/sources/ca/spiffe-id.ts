/**
 * SPIFFE IDs of the mesh (CONTRACT section 3): `spiffe://<trust-domain>/ns/default/dc/dc1/svc/<service>`.
 */

const SERVICE_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_-])?$/;
const TRUST_DOMAIN = /^[a-z0-9]([a-z0-9._-]{0,250}[a-z0-9])?$/;

/** Why `service` cannot be named in a certificate, or undefined when it can. */
export function serviceNameProblem(service: string): string | undefined {
  if (service === '') return 'service name is empty';
  if (!SERVICE_NAME.test(service)) {
    return `service name ${JSON.stringify(service)} cannot be used in a SPIFFE ID (letters, digits, '-', '_' and '.', at most 253 characters, starting with a letter or digit)`;
  }
  return undefined;
}

/** Why `trustDomain` is not a SPIFFE trust domain, or undefined when it is one. */
export function trustDomainProblem(trustDomain: string): string | undefined {
  if (!TRUST_DOMAIN.test(trustDomain)) {
    return `trust domain ${JSON.stringify(trustDomain)} is not a SPIFFE trust domain (lower-case letters, digits, '.', '-', '_')`;
  }
  return undefined;
}

/** The SPIFFE ID of a service; the name must pass {@link serviceNameProblem}. */
export function spiffeServiceUri(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/ns/default/dc/dc1/svc/${service}`;
}

/** The SPIFFE ID of the trust domain itself (the roots' URI SAN). */
export function spiffeTrustDomainUri(trustDomain: string): string {
  return `spiffe://${trustDomain}`;
}
