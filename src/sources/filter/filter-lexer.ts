/** Tokens of the filter language, each with its 0-based offset in the source (for error positions). */
export type Token =
  | { readonly type: 'word'; readonly text: string; readonly pos: number }
  | { readonly type: 'string'; readonly text: string; readonly pos: number }
  | { readonly type: '(' | ')' | '==' | '!=' | '[' | ']'; readonly pos: number }
  | { readonly type: 'end'; readonly pos: number };

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

const WORD = /[^\s()"`=![\]]/;

/** Splits a filter into tokens. Strings are `"double quoted"` (with `\"`, `\\`, `\n`, `\t` escapes) or `` `raw` ``. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ type: c, pos: i });
      i++;
      continue;
    }
    if (c === '=' || c === '!') {
      if (src[i + 1] === '=') {
        out.push({ type: c === '=' ? '==' : '!=', pos: i });
        i += 2;
        continue;
      }
      throw new FilterSyntaxError(`unexpected "${c}" at position ${i} (did you mean "${c}="?)`, i);
    }
    if (c === '"') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError(`unterminated string starting at position ${start}`, start);
        const d = src[i]!;
        if (d === '"') break;
        if (d === '\\') {
          const e = src[i + 1];
          const map: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', '/': '/' };
          if (e === undefined || map[e] === undefined) {
            throw new FilterSyntaxError(`invalid escape "\\${e ?? ''}" at position ${i}`, i);
          }
          text += map[e];
          i += 2;
          continue;
        }
        text += d;
        i++;
      }
      out.push({ type: 'string', text, pos: start });
      i++;
      continue;
    }
    if (c === '`') {
      const start = i;
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new FilterSyntaxError(`unterminated string starting at position ${start}`, start);
      out.push({ type: 'string', text: src.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    const start = i;
    while (i < src.length && WORD.test(src[i]!)) i++;
    out.push({ type: 'word', text: src.slice(start, i), pos: start });
  }
  out.push({ type: 'end', pos: src.length });
  return out;
}
