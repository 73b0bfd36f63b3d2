import type { DescEnum } from '@bufbuild/protobuf';
import type { ValueCheck } from './violation.js';
import { bytesEqual, bytesIndexOf, compileRange, compileRe2, show, showList, type Failure } from './rule-helpers.js';
import {
  isAddress,
  isEmail,
  isHostname,
  isIpAddress,
  isUri,
  isUriRef,
  isUuid,
  knownRegexMatches,
  knownRegexName,
} from './well-known-formats.js';

/** A test of one typed value: the failing rule's short name and a sentence, or undefined. */
type Test<T> = (v: T) => Failure | undefined;

/** Reported rule name of a short rule name (`min_len` -> `string.min_len`, or `map.keys.string.min_len`). */
export type RuleNamer = (name: string) => string;

/** Builds a ValueCheck from typed tests, reporting values of the wrong JS type as rule `type`. */
export function assemble<T>(
  tests: readonly Test<T>[],
  guard: (v: unknown) => T | undefined,
  expected: string,
  rule: RuleNamer,
  skip?: (v: T) => boolean,
): ValueCheck | undefined {
  if (tests.length === 0) return undefined;
  return (value, path, ctx) => {
    const v = guard(value);
    if (v === undefined) {
      ctx.report(path, 'type', `expected ${expected}, got ${typeof value}`);
      return;
    }
    if (skip?.(v)) return;
    for (const test of tests) {
      const failure = test(v);
      if (failure) ctx.report(path, rule(failure[0]), failure[1]);
    }
  };
}

/** `const`, `in`, `not_in` for any kind whose values compare by a key. */
function membership<T, K>(present: ReadonlyMap<string, unknown>, key: (v: T) => K, keyOfRule: (r: unknown) => K): Test<T>[] {
  const tests: Test<T>[] = [];
  if (present.has('const')) {
    const c = present.get('const');
    const k = keyOfRule(c);
    tests.push((v) => (key(v) === k ? undefined : ['const', `must equal ${show(c)}, got ${show(v)}`]));
  }
  for (const [name, wanted] of [['in', true], ['not_in', false]] as const) {
    const list = present.get(name) as unknown[] | undefined;
    if (!list) continue;
    const set = new Set(list.map(keyOfRule));
    const text = `${wanted ? 'one of' : 'none of'} ${showList(list)}`;
    tests.push((v) => (set.has(key(v)) === wanted ? undefined : [name, `must be ${text}, got ${show(v)}`]));
  }
  return tests;
}

const LONG_KINDS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
export const NUMERIC_KINDS = new Set([...LONG_KINDS, 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'float', 'double']);
export const NUMERIC_RULES = ['const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in'] as const;

function toBig(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if ((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v))) return BigInt(v);
  return undefined;
}

/** Rules of the ten integer kinds, `float` and `double`. 64-bit values compare as BigInt. */
export function compileNumeric(kind: string, present: ReadonlyMap<string, unknown>, rule: RuleNamer): ValueCheck | undefined {
  if (LONG_KINDS.has(kind)) {
    const big = (r: unknown) => toBig(r) ?? 0n;
    const range = compileRange(present, big, (v) => v.toString());
    const tests: Test<bigint>[] = [...membership<bigint, bigint>(present, (v) => v, big)];
    if (range) tests.push(range);
    return assemble(tests, toBig, 'a 64-bit integer', rule);
  }
  // float rules and values compare as the 32-bit floats they are on the wire
  const num = kind === 'float' ? (r: unknown) => Math.fround(Number(r)) : (r: unknown) => Number(r);
  const range = compileRange(present, num, String);
  const tests: Test<number>[] = [...membership<number, number>(present, (v) => v, num)];
  if (range) tests.push(range);
  return assemble(tests, (v) => (typeof v === 'number' ? num(v) : undefined), 'a number', rule);
}

export const BOOL_RULES = ['const'] as const;

export function compileBool(present: ReadonlyMap<string, unknown>, rule: RuleNamer): ValueCheck | undefined {
  const tests = membership<boolean, boolean>(present, (v) => v, (r) => r === true);
  return assemble(tests, (v) => (typeof v === 'boolean' ? v : undefined), 'a boolean', rule);
}

export const ENUM_RULES = ['const', 'defined_only', 'in', 'not_in'] as const;

export function compileEnum(present: ReadonlyMap<string, unknown>, desc: DescEnum | undefined, rule: RuleNamer): ValueCheck | undefined {
  const tests = membership<number, number>(present, (v) => v, Number);
  if (present.get('defined_only') === true && desc) {
    const defined = new Set(desc.values.map((v) => v.number));
    tests.push((v) => (defined.has(v) ? undefined : ['defined_only', `${v} is not a defined ${desc.typeName} value`]));
  }
  return assemble(tests, (v) => (typeof v === 'number' ? v : undefined), 'an enum number', rule);
}

export const STRING_RULES = [
  'const', 'len', 'min_len', 'max_len', 'len_bytes', 'min_bytes', 'max_bytes', 'pattern', 'prefix', 'suffix',
  'contains', 'not_contains', 'in', 'not_in', 'email', 'hostname', 'ip', 'ipv4', 'ipv6', 'uri', 'uri_ref',
  'address', 'uuid', 'well_known_regex', 'strict', 'ignore_empty',
] as const;

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A length rule: `len` exact, `min_*` at least, `max_*` at most. */
function lengthTests<T>(present: ReadonlyMap<string, unknown>, names: readonly [string, string, string], measure: (v: T) => number, unit: string): Test<T>[] {
  const tests: Test<T>[] = [];
  const [exact, min, max] = names;
  const limits: [string, (n: number, l: number) => boolean, string][] = [
    [exact, (n, l) => n === l, 'exactly'],
    [min, (n, l) => n >= l, 'at least'],
    [max, (n, l) => n <= l, 'at most'],
  ];
  for (const [name, ok, text] of limits) {
    if (!present.has(name)) continue;
    const limit = Number(present.get(name));
    tests.push((v) => {
      const n = measure(v);
      return ok(n, limit) ? undefined : [name, `must be ${text} ${limit} ${unit} long, got ${n}`];
    });
  }
  return tests;
}

const STRING_FORMATS: Record<string, [(s: string) => boolean, string]> = {
  email: [isEmail, 'an email address'],
  hostname: [isHostname, 'a host name'],
  ip: [(s) => isIpAddress(s), 'an IP address'],
  ipv4: [(s) => isIpAddress(s, 4), 'an IPv4 address'],
  ipv6: [(s) => isIpAddress(s, 6), 'an IPv6 address'],
  uri: [isUri, 'an absolute URI'],
  uri_ref: [isUriRef, 'a URI reference'],
  address: [isAddress, 'a host name or IP address'],
  uuid: [isUuid, 'a UUID'],
};

export function compileString(present: ReadonlyMap<string, unknown>, rule: RuleNamer): ValueCheck | undefined {
  const tests: Test<string>[] = [...membership<string, string>(present, (v) => v, String)];
  tests.push(...lengthTests<string>(present, ['len', 'min_len', 'max_len'], codePoints, 'characters'));
  tests.push(...lengthTests<string>(present, ['len_bytes', 'min_bytes', 'max_bytes'], (s) => Buffer.byteLength(s, 'utf8'), 'bytes'));
  if (present.has('pattern')) {
    const pattern = String(present.get('pattern'));
    const re = compileRe2(pattern);
    tests.push((s) =>
      typeof re === 'string' ? ['pattern', re] : re.test(s) ? undefined : ['pattern', `must match ${pattern}, got ${show(s)}`],
    );
  }
  const affix: [string, (s: string, a: string) => boolean, boolean, string][] = [
    ['prefix', (s, a) => s.startsWith(a), true, 'start with'],
    ['suffix', (s, a) => s.endsWith(a), true, 'end with'],
    ['contains', (s, a) => s.includes(a), true, 'contain'],
    ['not_contains', (s, a) => s.includes(a), false, 'not contain'],
  ];
  for (const [name, has, wanted, text] of affix) {
    if (!present.has(name)) continue;
    const a = String(present.get(name));
    tests.push((s) => (has(s, a) === wanted ? undefined : [name, `must ${text} ${show(a)}, got ${show(s)}`]));
  }
  for (const [name, [ok, text]] of Object.entries(STRING_FORMATS)) {
    if (present.get(name) !== true) continue;
    tests.push((s) => (ok(s) ? undefined : [name, `must be ${text}, got ${show(s)}`]));
  }
  if (present.has('well_known_regex')) {
    const known = Number(present.get('well_known_regex'));
    const strict = present.get('strict') !== false;
    const text = `a valid ${strict ? '' : 'non-strict '}${knownRegexName(known)}`;
    if (known !== 0) {
      tests.push((s) => (knownRegexMatches(known, strict, s) ? undefined : ['well_known_regex', `must be ${text}, got ${show(s)}`]));
    }
  }
  const ignoreEmpty = present.get('ignore_empty') === true;
  return assemble(tests, (v) => (typeof v === 'string' ? v : undefined), 'a string', rule, ignoreEmpty ? (s) => s === '' : undefined);
}

export const BYTES_RULES = ['const', 'len', 'min_len', 'max_len', 'pattern', 'prefix', 'suffix', 'contains', 'in', 'not_in', 'ip', 'ipv4', 'ipv6'] as const;

const hex = (b: unknown) => Buffer.from(b as Uint8Array).toString('hex');

export function compileBytes(present: ReadonlyMap<string, unknown>, rule: RuleNamer): ValueCheck | undefined {
  const tests: Test<Uint8Array>[] = [...membership<Uint8Array, string>(present, hex, hex)];
  tests.push(...lengthTests<Uint8Array>(present, ['len', 'min_len', 'max_len'], (b) => b.length, 'bytes'));
  if (present.has('pattern')) {
    const pattern = String(present.get('pattern'));
    const re = compileRe2(pattern);
    const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
    tests.push((b) =>
      typeof re === 'string' ? ['pattern', re] : re.test(text(b)) ? undefined : ['pattern', `must match ${pattern}`],
    );
  }
  const affix: [string, (b: Uint8Array, a: Uint8Array) => boolean, string][] = [
    ['prefix', (b, a) => bytesEqual(b.subarray(0, a.length), a), 'start with'],
    ['suffix', (b, a) => b.length >= a.length && bytesEqual(b.subarray(b.length - a.length), a), 'end with'],
    ['contains', (b, a) => bytesIndexOf(b, a) >= 0, 'contain'],
  ];
  for (const [name, ok, text] of affix) {
    if (!present.has(name)) continue;
    const a = present.get(name) as Uint8Array;
    tests.push((b) => (ok(b, a) ? undefined : [name, `must ${text} 0x${hex(a)}`]));
  }
  const ipLengths: [string, number[]][] = [['ip', [4, 16]], ['ipv4', [4]], ['ipv6', [16]]];
  for (const [name, lengths] of ipLengths) {
    if (present.get(name) !== true) continue;
    tests.push((b) => (lengths.includes(b.length) ? undefined : [name, `must be ${lengths.join(' or ')} bytes (an IP address), got ${b.length}`]));
  }
  return assemble(tests, (v) => (v instanceof Uint8Array ? v : undefined), 'bytes', rule);
}
