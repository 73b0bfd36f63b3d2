import type { IncomingHttpHeaders } from 'node:http';

/** The secret of an `Authorization: Bearer <secret>` value, if it is one. */
function bearer(value: string | undefined): string | undefined {
  const m = value === undefined ? null : /^\s*Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1] : undefined;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * The token of an HTTP request as Consul reads it: the `X-Consul-Token` header, else
 * `Authorization: Bearer`, else the `?token=` query parameter. Undefined when none is given.
 */
export function tokenFromHttp(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const header = first(headers['x-consul-token'])?.trim();
  if (header) return header;
  const auth = bearer(first(headers['authorization']));
  if (auth) return auth;
  return query.get('token') || undefined;
}

/** Structurally grpc-js `Metadata` (sources do not depend on grpc-js). */
export interface MetadataLike {
  get(key: string): ReadonlyArray<string | Buffer>;
}

/** The token of an xDS stream: metadata `x-consul-token`, else `authorization: Bearer`. */
export function tokenFromMetadata(metadata: MetadataLike | undefined): string | undefined {
  if (!metadata) return undefined;
  const text = (key: string): string | undefined => {
    const v = metadata.get(key)[0];
    return v === undefined ? undefined : String(v).trim();
  };
  return text('x-consul-token') || bearer(text('authorization')) || undefined;
}
