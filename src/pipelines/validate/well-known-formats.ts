import { isIP } from 'node:net';

/**
 * The `well_known` string formats of PGV `StringRules`, written from the RFCs they name. Each
 * predicate returns true when the value conforms.
 */

/** RFC 7230 `token` (tchar+), with an optional leading ':' for HTTP/2 pseudo-headers. */
const HEADER_NAME_STRICT = /^:?[0-9A-Za-z!#$%&'*+\-.^_`|~]+$/;
/** RFC 7230 `field-value`: no control characters except horizontal tab. */
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
/** Non-strict header names and values (`strict: false`): only NUL, LF and CR are refused. */
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;

/** PGV `KnownRegex` values (validate.proto): 1 HTTP_HEADER_NAME, 2 HTTP_HEADER_VALUE. */
export function knownRegexMatches(known: number, strict: boolean, value: string): boolean {
  if (!strict) return HEADER_LOOSE.test(value);
  if (known === 1) return HEADER_NAME_STRICT.test(value);
  if (known === 2) return HEADER_VALUE_STRICT.test(value);
  return false;
}

export function knownRegexName(known: number): string {
  return known === 1 ? 'HTTP_HEADER_NAME' : known === 2 ? 'HTTP_HEADER_VALUE' : `KnownRegex(${known})`;
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** RFC 1034 host name: dot-separated labels of letters, digits and inner hyphens; 253 bytes at most. */
export function isHostname(value: string): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/** RFC 5322 addr-spec, simplified: a non-empty local part of at most 64 characters, '@', a host name. */
export function isEmail(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  const local = value.slice(0, at);
  if (/[\s<>()[\]\\,;:@"]/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return false;
  }
  return isHostname(value.slice(at + 1));
}

export function isIpAddress(value: string, version?: 4 | 6): boolean {
  if (value.includes('%')) return false; // zone identifiers are not addresses
  const v = isIP(value);
  return version === undefined ? v !== 0 : v === version;
}

/** A host name or an IP address (PGV `address`). */
export function isAddress(value: string): boolean {
  return isIpAddress(value) || isHostname(value);
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const NO_SPACE = /^[^\s\u0000-\u001F\u007F]*$/;

/** RFC 3986 absolute URI (scheme required). */
export function isUri(value: string): boolean {
  return SCHEME.test(value) && NO_SPACE.test(value) && URL.canParse(value);
}

/** RFC 3986 URI reference: absolute or relative. */
export function isUriRef(value: string): boolean {
  return NO_SPACE.test(value) && URL.canParse(value, 'http://base.invalid/');
}

const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** RFC 4122 UUID in its canonical hyphenated form. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
