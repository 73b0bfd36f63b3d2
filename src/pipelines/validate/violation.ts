/**
 * One broken PGV constraint in a message: where (`filter_chains[0].filters[0].name`, proto field
 * names; map entries as `metadata.filter_metadata["key"]`, `Any` contents continue the path of the
 * `Any` field), which rule (`string.min_len`, as written in the proto's `(validate.rules)`;
 * `oneof.required` for a `(validate.required)` oneof; map key rules are prefixed `map.keys.`), and a
 * sentence for humans.
 */
export interface Violation {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/** Where checks report to while one message is being validated. */
export interface CheckContext {
  /** Current time in milliseconds since the epoch, for timestamp `lt_now`/`gt_now`/`within`. */
  readonly now: () => number;
  report(path: string, rule: string, message: string): void;
}

/** A compiled check of one value (a scalar, an enum number, a Duration, an Any...) at `path`. */
export type ValueCheck = (value: unknown, path: string, ctx: CheckContext) => void;

/** Joins a field name onto a path. */
export function fieldPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** The path of a list element or map entry. */
export function indexPath(parent: string, key: number | string | bigint | boolean, quote: boolean): string {
  return `${parent}[${quote ? JSON.stringify(String(key)) : String(key)}]`;
}

/** One line per violation, for logs and error messages. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.path || '<root>'}: ${v.message} [${v.rule}]`).join('\n');
}
