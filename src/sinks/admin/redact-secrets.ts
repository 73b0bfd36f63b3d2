import type { JsonValue } from '@bufbuild/protobuf';

/** What a redacted inline value reads as (the word Envoy's own config dump uses). */
export const REDACTED = '[redacted]';

/**
 * Fields of Envoy resources (proto field names) that hold key material as DataSources, or lists of
 * them: TlsCertificate.private_key and .password, GenericSecret.secret, TlsSessionTicketKeys.keys.
 * These are the fields Envoy marks `(udpa.annotations.sensitive)` in the resources rxds sends.
 */
const SENSITIVE_FIELDS: ReadonlySet<string> = new Set(['private_key', 'password', 'secret', 'keys']);

/**
 * The resource JSON with the inline content of every sensitive DataSource replaced by "[redacted]"
 * (a `filename` stays: it is a path, not the key). CONTRACT section 5: an operator-read token reads
 * everything but private keys, and `GET /v1/rxds/proxies/:id/config` and `/watch` show what a sidecar
 * was sent over SDS, its leaf's private key included. Returns the input itself when nothing is sensitive.
 */
export function redactSecrets(json: JsonValue): JsonValue {
  return walk(json, false);
}

function walk(value: JsonValue, sensitive: boolean): JsonValue {
  if (Array.isArray(value)) {
    let out: JsonValue[] | undefined;
    value.forEach((v, i) => {
      const r = walk(v, sensitive);
      if (r !== v) (out ??= [...value])[i] = r;
    });
    return out ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (sensitive) return redactDataSource(value);
  let out: { [k: string]: JsonValue } | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r = walk(v, SENSITIVE_FIELDS.has(k));
    if (r !== v) (out ??= { ...value })[k] = r;
  }
  return out ?? value;
}

/** A DataSource ({inline_string | inline_bytes | environment_variable | filename}) without its inline content. */
function redactDataSource(ds: { [k: string]: JsonValue }): JsonValue {
  let out: { [k: string]: JsonValue } | undefined;
  for (const k of ['inline_string', 'inline_bytes']) {
    if (k in ds) (out ??= { ...ds })[k] = REDACTED;
  }
  return out ?? ds;
}
