import { isFieldSet, type DescMessage, type Message } from '@bufbuild/protobuf';

/**
 * The rules set in one PGV rules message (`StringRules`, `UInt32Rules`, ...), keyed by their proto
 * field names (`min_len`, `well_known_regex`), so that a rule's name in a violation is exactly the
 * name written in the `.proto`. Repeated rules count when non-empty; proto2 defaults do not count.
 */
export function presentRules(desc: DescMessage, rules: Message): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const obj = rules as unknown as Record<string, unknown>;
  for (const f of desc.fields) {
    if (f.oneof) {
      const sel = obj[f.oneof.localName] as { case?: string; value?: unknown } | undefined;
      if (sel?.case === f.localName) out.set(f.name, sel.value);
    } else if (isFieldSet(rules as never, f)) {
      out.set(f.name, obj[f.localName]);
    }
  }
  return out;
}

export type Comparable = number | bigint;

/** A failed rule: its short name (`gt`) and a sentence. */
export type Failure = readonly [rule: string, message: string];

interface Bound<T extends Comparable> {
  readonly name: string;
  readonly value: T;
  readonly inclusive: boolean;
}

/**
 * Compiles the `gt`/`gte`/`lt`/`lte` rules shared by numbers, durations and timestamps. PGV semantics:
 * with both a lower and an upper bound, a lower bound below the upper one means "between", a lower
 * bound at or above the upper one means "outside" (an exclusive range).
 */
export function compileRange<T extends Comparable>(
  present: ReadonlyMap<string, unknown>,
  convert: (ruleValue: unknown) => T,
  show: (v: T) => string,
): ((v: T) => Failure | undefined) | undefined {
  const bound = (name: string, inclusive: boolean): Bound<T> | undefined =>
    present.has(name) ? { name, value: convert(present.get(name)), inclusive } : undefined;
  const lower = bound('gt', false) ?? bound('gte', true);
  const upper = bound('lt', false) ?? bound('lte', true);
  if (!lower && !upper) return undefined;
  const lowerOk = (v: T) => !lower || (lower.inclusive ? v >= lower.value : v > lower.value);
  const upperOk = (v: T) => !upper || (upper.inclusive ? v <= upper.value : v < upper.value);
  const lowerText = lower && `${lower.inclusive ? 'at least' : 'greater than'} ${show(lower.value)}`;
  const upperText = upper && `${upper.inclusive ? 'at most' : 'less than'} ${show(upper.value)}`;
  if (lower && upper && upper.value <= lower.value) {
    return (v) =>
      lowerOk(v) || upperOk(v) ? undefined : [lower.name, `must be ${lowerText} or ${upperText}, got ${show(v)}`];
  }
  return (v) => {
    if (!lowerOk(v)) return [lower!.name, `must be ${lowerText}, got ${show(v)}`];
    if (!upperOk(v)) return [upper!.name, `must be ${upperText}, got ${show(v)}`];
    return undefined;
  };
}

/** A short, bounded rendering of a value for violation messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 61)}...` : value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return String(value);
}

export function showList(values: readonly unknown[]): string {
  return `[${values.map(show).join(', ')}]`;
}

/** Equal bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Index of `needle` in `hay`, or -1. */
export function bytesIndexOf(hay: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(needle);
}

/**
 * Compiles an RE2 pattern as a JS RegExp. RE2's syntax is close to JS's for the patterns Envoy uses;
 * the RE2-only forms translated here are named groups `(?P<n>`, `\A`, `\z` and leading inline flags
 * `(?i)`/`(?s)`. Returns an error string when the pattern cannot be evaluated.
 */
export function compileRe2(pattern: string): RegExp | string {
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([is]+)\)/.exec(source);
  if (lead) {
    flags = [...new Set(lead[1])].join('');
    source = source.slice(lead[0].length);
  }
  source = source.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  for (const f of [`${flags}u`, flags]) {
    try {
      return new RegExp(source, f);
    } catch {
      // try without unicode mode, which accepts more identity escapes
    }
  }
  return `pattern ${JSON.stringify(pattern)} is not supported`;
}
