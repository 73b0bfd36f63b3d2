/**
 * Consul accepts its JSON/YAML field names in PascalCase, in snake_case, and (Go's encoding/json being
 * case-insensitive) in any letter case. rxds normalizes input to the PascalCase Consul documents before
 * validating it, so the rest of the code sees one spelling.
 *
 * User-chosen keys are never rewritten: the subtree of an opaque field (e.g. `Meta`, proxy `Config`) is
 * kept as is, and a map field (e.g. resolver `Subsets`, keyed by subset name) keeps its keys while its
 * values are normalized.
 */
export interface NormalizeOptions {
  /** Fields whose whole value is user data (kept verbatim). */
  readonly opaque?: ReadonlySet<string>;
  /** Fields whose value is a map with user-chosen keys and normalized values. */
  readonly maps?: ReadonlySet<string>;
}

/** Words Consul spells in capitals inside field names (`ServiceID`, `GRPCUseTLS`, `TLSSkipVerify`). */
const ACRONYMS: Readonly<Record<string, string>> = {
  id: 'ID',
  ids: 'IDs',
  http: 'HTTP',
  https: 'HTTPS',
  tcp: 'TCP',
  udp: 'UDP',
  ttl: 'TTL',
  grpc: 'GRPC',
  tls: 'TLS',
  sni: 'SNI',
  uri: 'URI',
  url: 'URL',
  dns: 'DNS',
  ip: 'IP',
  acl: 'ACL',
  ca: 'CA',
};

/** Canonical spellings of fields that the word rule cannot derive (case-insensitive lookup). */
const KNOWN: ReadonlyMap<string, string> = new Map(
  [
    'ID', 'ServiceID', 'DestinationServiceID', 'CheckID', 'SecretID', 'AccessorID', 'GRPC', 'GRPCUseTLS',
    'TLSSkipVerify', 'TLSServerName', 'HTTP', 'TCP', 'UDP', 'TTL', 'TTLExpiresAt', 'PathRegex', 'PathPrefix',
    'PathExact', 'ServiceSubset', 'DestinationName', 'DestinationType', 'DestinationNamespace',
    'LocalBindAddress', 'LocalBindPort', 'LocalServiceAddress', 'LocalServicePort', 'DestinationServiceName',
    'SidecarService', 'DeregisterCriticalServiceAfter', 'RetryOnStatusCodes', 'RetryOnConnectFailure',
    'NumRetries', 'RequestTimeout', 'PrefixRewrite', 'ConnectTimeout', 'DefaultSubset', 'OnlyPassing',
    'LoadBalancer', 'RingHashConfig', 'LeastRequestConfig', 'HashPolicies', 'QueryParam', 'ExternalSNI',
  ].map((k) => [k.toLowerCase(), k]),
);

export function canonicalKey(key: string): string {
  const flat = key.replace(/[_-]/g, '').toLowerCase();
  const known = KNOWN.get(flat);
  if (known) return known;
  if (!/[_-]/.test(key)) {
    // PascalCase or camelCase (or any case): keep inner capitals, upper-case the first letter.
    const acr = ACRONYMS[key.toLowerCase()];
    if (acr) return acr;
    return key.charAt(0).toUpperCase() + key.slice(1);
  }
  return key
    .split(/[_-]+/)
    .filter((w) => w.length > 0)
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join('');
}

export function normalizeKeys(value: unknown, options: NormalizeOptions = {}): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeKeys(v, options));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(value as Record<string, unknown>)) {
    const key = canonicalKey(rawKey);
    if (options.opaque?.has(key)) out[key] = v;
    else if (options.maps?.has(key) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const m: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) m[mk] = normalizeKeys(mv, options);
      out[key] = m;
    } else out[key] = normalizeKeys(v, options);
  }
  return out;
}
