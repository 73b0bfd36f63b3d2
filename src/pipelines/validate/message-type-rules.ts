import type { ValueCheck } from './violation.js';
import { compileRange, showList, type Failure } from './rule-helpers.js';
import { assemble, type RuleNamer } from './scalar-rules.js';

/** Rules on `google.protobuf.Duration`, `google.protobuf.Timestamp` and `google.protobuf.Any` fields. */

interface SecondsNanos {
  readonly seconds: bigint | number | string;
  readonly nanos: number;
}

function isSecondsNanos(v: unknown): v is SecondsNanos {
  return typeof v === 'object' && v !== null && 'seconds' in v && 'nanos' in v;
}

/** Total nanoseconds of a Duration or Timestamp message. */
function nanosOf(v: unknown): bigint {
  const m = v as SecondsNanos;
  return BigInt(m.seconds) * 1_000_000_000n + BigInt(m.nanos);
}

function guardNanos(v: unknown): bigint | undefined {
  if (!isSecondsNanos(v)) return undefined;
  try {
    return nanosOf(v);
  } catch {
    return undefined;
  }
}

/** Renders nanoseconds as a protobuf-JSON duration (`1.5s`, `-0.000000001s`). */
export function showDuration(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const s = abs / 1_000_000_000n;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${s}${frac ? `.${frac}` : ''}s`;
}

function showTimestamp(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}

export const DURATION_RULES = ['required', 'const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in'] as const;

export function compileDuration(present: ReadonlyMap<string, unknown>, rule: RuleNamer): ValueCheck | undefined {
  const tests: ((v: bigint) => Failure | undefined)[] = [];
  if (present.has('const')) {
    const c = nanosOf(present.get('const'));
    tests.push((v) => (v === c ? undefined : ['const', `must equal ${showDuration(c)}, got ${showDuration(v)}`]));
  }
  for (const [name, wanted] of [['in', true], ['not_in', false]] as const) {
    const list = present.get(name) as unknown[] | undefined;
    if (!list) continue;
    const values = list.map(nanosOf);
    const set = new Set(values);
    const text = `${wanted ? 'one of' : 'none of'} ${showList(values.map(showDuration))}`;
    tests.push((v) => (set.has(v) === wanted ? undefined : [name, `must be ${text}, got ${showDuration(v)}`]));
  }
  const range = compileRange(present, nanosOf, showDuration);
  if (range) tests.push(range);
  return assemble(tests, guardNanos, 'a google.protobuf.Duration', rule);
}

export const TIMESTAMP_RULES = ['required', 'const', 'lt', 'lte', 'gt', 'gte', 'lt_now', 'gt_now', 'within'] as const;

/** Timestamp rules; `lt_now`, `gt_now` and `within` read the injected clock of the check context. */
export function compileTimestamp(present: ReadonlyMap<string, unknown>, rule: RuleNamer): ValueCheck | undefined {
  const tests: ((v: bigint) => Failure | undefined)[] = [];
  if (present.has('const')) {
    const c = nanosOf(present.get('const'));
    tests.push((v) => (v === c ? undefined : ['const', `must equal ${showTimestamp(c)}, got ${showTimestamp(v)}`]));
  }
  const range = compileRange(present, nanosOf, showTimestamp);
  if (range) tests.push(range);
  const fixed = assemble(tests, guardNanos, 'a google.protobuf.Timestamp', rule);
  const ltNow = present.get('lt_now') === true;
  const gtNow = present.get('gt_now') === true;
  const within = present.has('within') ? nanosOf(present.get('within')) : undefined;
  if (!ltNow && !gtNow && within === undefined) return fixed;
  return (value, path, ctx) => {
    fixed?.(value, path, ctx);
    const v = guardNanos(value);
    if (v === undefined) {
      if (!fixed) ctx.report(path, 'type', 'expected a google.protobuf.Timestamp');
      return;
    }
    const now = BigInt(Math.trunc(ctx.now())) * 1_000_000n;
    if (ltNow && !(v < now)) ctx.report(path, rule('lt_now'), `must be before now, got ${showTimestamp(v)}`);
    if (gtNow && !(v > now)) ctx.report(path, rule('gt_now'), `must be after now, got ${showTimestamp(v)}`);
    if (within !== undefined) {
      const d = v > now ? v - now : now - v;
      if (d > within) ctx.report(path, rule('within'), `must be within ${showDuration(within)} of now, got ${showTimestamp(v)}`);
    }
  };
}

export const ANY_RULES = ['required', 'in', 'not_in'] as const;

/** `in`/`not_in` on an Any's type URL (on a non-Any message field only `required` applies). */
export function compileAny(present: ReadonlyMap<string, unknown>, rule: RuleNamer): ValueCheck | undefined {
  const tests: ((typeUrl: string) => Failure | undefined)[] = [];
  for (const [name, wanted] of [['in', true], ['not_in', false]] as const) {
    const list = present.get(name) as string[] | undefined;
    if (!list) continue;
    const set = new Set(list);
    tests.push((t) => (set.has(t) === wanted ? undefined : [name, `type URL must be ${wanted ? 'one of' : 'none of'} ${showList(list)}, got ${JSON.stringify(t)}`]));
  }
  const guard = (v: unknown) =>
    typeof v === 'object' && v !== null && typeof (v as { typeUrl?: unknown }).typeUrl === 'string'
      ? (v as { typeUrl: string }).typeUrl
      : undefined;
  return assemble(tests, guard, 'a google.protobuf.Any', rule);
}
