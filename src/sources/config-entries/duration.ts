/**
 * Go's time.Duration text form, which Consul uses for every duration field ("5s", "1m30s", "300ms", "1h").
 * Parsing follows time.ParseDuration; formatting follows Duration.String(), so a value read back from the API
 * looks as Consul would show it ("60s" becomes "1m0s").
 */
const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds of a Go duration string, or an error message. */
export function parseGoDuration(text: string): { ok: true; ns: number } | { ok: false; error: string } {
  const bad = { ok: false as const, error: `invalid duration "${text}" (use e.g. "5s", "1m30s", "250ms")` };
  let s = text.trim();
  if (s === '') return bad;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ns: 0 };
  const part = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;
  let total = 0;
  let rest = s;
  if (rest === '') return bad;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return bad;
    const unit = UNIT_NS[m[3]!];
    if (unit === undefined) return { ok: false, error: `invalid duration "${text}": unknown unit "${m[3]}"` };
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * unit;
    rest = rest.slice(m[0].length);
  }
  return { ok: true, ns: Math.round(sign * total) };
}

/** Go's Duration.String() of a nanosecond count. */
export function formatGoDuration(nsIn: number): string {
  let ns = Math.round(nsIn);
  if (ns === 0) return '0s';
  const neg = ns < 0;
  if (neg) ns = -ns;
  let out: string;
  if (ns < 1e9) {
    if (ns < 1e3) out = `${ns}ns`;
    else if (ns < 1e6) out = `${fraction(ns, 1e3)}µs`;
    else out = `${fraction(ns, 1e6)}ms`;
  } else {
    const h = Math.floor(ns / 3600e9);
    const m = Math.floor((ns % 3600e9) / 60e9);
    const sNs = ns % 60e9;
    const s = `${fraction(sNs, 1e9)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function fraction(ns: number, unit: number): string {
  const whole = Math.floor(ns / unit);
  const frac = ns % unit;
  if (frac === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Milliseconds of a duration given as a Go string or as nanoseconds (Consul's JSON accepts both). */
export function durationMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value / 1e6;
  const r = parseGoDuration(value);
  return r.ok ? r.ns / 1e6 : undefined;
}
