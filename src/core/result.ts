/**
 * The outcome of parsing or validating user input: a value, or a readable error.
 * `path` (when known) locates the offending field inside the input, e.g. `['Splits', 1, 'Weight']`;
 * `error` already names it in text (`Splits[1].Weight: ...`).
 */
export type Result<T> = Ok<T> | Err;

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Err {
  readonly ok: false;
  readonly error: string;
  readonly path?: readonly (string | number)[];
}

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err(error: string, path?: readonly (string | number)[]): Err {
  return path && path.length > 0 ? { ok: false, error, path } : { ok: false, error };
}

/** Formats a field path the way rxds error messages name fields: `Splits[1].Weight`, `Subsets.v1.Filter`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      if (/^[A-Za-z0-9_-]+$/.test(s)) out += out === '' ? s : `.${s}`;
      else out += `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}
