import type { Err, Ok } from '../../core/result.js';
import type { FilterAst, FilterMatch, MatchOp } from './filter-ast.js';
import { FilterSyntaxError, tokenize, type Token } from './filter-lexer.js';
import { resolveSelector } from './filter-selectors.js';

export type ParseFilterResult = Ok<FilterAst> | (Err & { readonly position: number });

/**
 * Parses a filter expression (the go-bexpr subset Consul uses for resolver subsets):
 *
 *   expr   := and ('or' and)*            and := unary ('and' unary)*
 *   unary  := 'not' unary | '(' expr ')' | match
 *   match  := selector ('==' | '!=') value | selector 'is' ['not'] 'empty'
 *           | selector ['not'] ('contains' | 'matches') value | value ['not'] 'in' selector
 *
 * Selectors are checked against the fields of a service instance (Service.*, Node.*, Checks.*) and the
 * operator against the field's type; a value is a bare word (`v1`) or a quoted string (`"v 1"`, `` `raw` ``).
 * Errors carry the 0-based position in the source.
 */
export function parseFilter(src: string): ParseFilterResult {
  try {
    if (src.trim() === '') throw new FilterSyntaxError('empty filter expression', 0);
    const p = new Parser(tokenize(src));
    const ast = p.expr();
    p.expectEnd();
    return { ok: true, value: ast };
  } catch (e) {
    if (e instanceof FilterSyntaxError) return { ok: false, error: e.message, position: e.position };
    throw e;
  }
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'matches', 'is', 'empty']);

interface Term {
  readonly token: Token & { type: 'word' | 'string' };
  /** Selector segments if the term has the shape of a selector. */
  readonly segments?: string[];
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private isWord(t: Token, text: string): boolean {
    return t.type === 'word' && t.text === text;
  }

  private fail(t: Token, expected: string): never {
    throw new FilterSyntaxError(`unexpected ${describe(t)} at position ${t.pos} (expected ${expected})`, t.pos);
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.type !== 'end') this.fail(t, '"and", "or" or the end of the expression');
  }

  expr(): FilterAst {
    let left = this.and();
    while (this.isWord(this.peek(), 'or')) {
      this.i++;
      left = { type: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterAst {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and')) {
      this.i++;
      left = { type: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterAst {
    const t = this.peek();
    if (this.isWord(t, 'not')) {
      this.i++;
      return { type: 'not', operand: this.unary() };
    }
    if (t.type === '(') {
      this.i++;
      const inner = this.expr();
      const close = this.peek();
      if (close.type !== ')') this.fail(close, '")"');
      this.i++;
      return inner;
    }
    return this.match();
  }

  private match(): FilterMatch {
    const term = this.term('a selector or a value');
    const t = this.peek();
    const next = this.peek(1);
    if (this.isWord(t, 'in')) {
      this.i++;
      return this.build(this.selector(), 'in', term);
    }
    if (this.isWord(t, 'not') && (this.isWord(next, 'in') || this.isWord(next, 'contains') || this.isWord(next, 'matches'))) {
      this.i += 2;
      if (next.type === 'word' && next.text === 'in') return this.build(this.selector(), 'notIn', term);
      const op: MatchOp = next.type === 'word' && next.text === 'contains' ? 'notIn' : 'notMatches';
      return this.build(this.asSelector(term), op, this.term('a value'));
    }
    if (t.type === '==' || t.type === '!=') {
      this.i++;
      return this.build(this.asSelector(term), t.type === '==' ? 'equal' : 'notEqual', this.term('a value'));
    }
    if (this.isWord(t, 'contains') || this.isWord(t, 'matches')) {
      this.i++;
      const op: MatchOp = t.type === 'word' && t.text === 'contains' ? 'in' : 'matches';
      return this.build(this.asSelector(term), op, this.term('a value'));
    }
    if (this.isWord(t, 'is')) {
      this.i++;
      let negated = false;
      if (this.isWord(this.peek(), 'not')) {
        negated = true;
        this.i++;
      }
      const e = this.peek();
      if (!this.isWord(e, 'empty')) this.fail(e, '"empty"');
      this.i++;
      return this.build(this.asSelector(term), negated ? 'isNotEmpty' : 'isEmpty');
    }
    return this.fail(t, 'an operator: ==, !=, in, not in, contains, not contains, matches, is empty, is not empty');
  }

  /** A bare word (possibly a selector with `["key"]` parts) or a quoted string. */
  private term(expected: string): Term {
    const t = this.peek();
    if (t.type === 'string') {
      this.i++;
      return { token: t };
    }
    if (t.type !== 'word' || (KEYWORDS.has(t.text) && expected !== 'a value')) this.fail(t, expected);
    this.i++;
    const segments: string[] | undefined = t.text.split('.');
    let valid = segments.every((s) => s !== '');
    // Bracketed map keys: Service.Meta["my key"] (optionally followed by .More).
    while (this.peek().type === '[') {
      const key = this.peek(1);
      const close = this.peek(2);
      if (key.type !== 'string') this.fail(key, 'a quoted key');
      if (close.type !== ']') this.fail(close, '"]"');
      segments.push(key.text);
      this.i += 3;
      const cont = this.peek();
      if (cont.type === 'word' && cont.text.startsWith('.') && cont.pos === close.pos + 1) {
        this.i++;
        const rest = cont.text.slice(1).split('.');
        if (rest.some((s) => s === '')) valid = false;
        segments.push(...rest);
      }
    }
    return valid ? { token: t, segments } : { token: t };
  }

  private selector(): { segments: string[]; token: Token } {
    return this.asSelector(this.term('a selector'));
  }

  private asSelector(term: Term): { segments: string[]; token: Token } {
    if (!term.segments) this.fail(term.token, 'a selector such as Service.Meta.version');
    return { segments: term.segments, token: term.token };
  }

  private build(sel: { segments: string[]; token: Token }, op: MatchOp, value?: Term): FilterMatch {
    const resolved = resolveSelector(sel.segments);
    if (!resolved.ok) throw new FilterSyntaxError(`${resolved.error} at position ${sel.token.pos}`, sel.token.pos);
    const { canonical, type } = resolved;
    const name = canonical.join('.');
    const allowed: Record<MatchOp, readonly string[]> = {
      equal: ['string', 'number', 'bool'],
      notEqual: ['string', 'number', 'bool'],
      in: ['stringList', 'map', 'string'],
      notIn: ['stringList', 'map', 'string'],
      isEmpty: ['stringList', 'map', 'string', 'structList'],
      isNotEmpty: ['stringList', 'map', 'string', 'structList'],
      matches: ['string'],
      notMatches: ['string'],
    };
    if (!allowed[op].includes(type)) {
      throw new FilterSyntaxError(
        `operator ${opText(op)} cannot be used with ${name} (a ${typeText(type)}) at position ${sel.token.pos}`,
        sel.token.pos,
      );
    }
    if (value === undefined) return { type: 'match', selector: canonical, op };
    const text = value.token.text;
    if (type === 'number' && !Number.isFinite(Number(text))) {
      throw new FilterSyntaxError(`${name} is a number; "${text}" is not (at position ${value.token.pos})`, value.token.pos);
    }
    if (op === 'matches' || op === 'notMatches') {
      let regex: RegExp;
      try {
        regex = new RegExp(text);
      } catch (e) {
        throw new FilterSyntaxError(
          `invalid regular expression "${text}" at position ${value.token.pos}: ${(e as Error).message}`,
          value.token.pos,
        );
      }
      return { type: 'match', selector: canonical, op, value: text, regex };
    }
    return { type: 'match', selector: canonical, op, value: text };
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'word':
      return `token "${t.text}"`;
    case 'string':
      return `string ${JSON.stringify(t.text)}`;
    case 'end':
      return 'end of expression';
    default:
      return `token "${t.type}"`;
  }
}

function opText(op: MatchOp): string {
  const m: Record<MatchOp, string> = {
    equal: '==',
    notEqual: '!=',
    in: 'in/contains',
    notIn: 'not in/not contains',
    isEmpty: 'is empty',
    isNotEmpty: 'is not empty',
    matches: 'matches',
    notMatches: 'not matches',
  };
  return m[op];
}

function typeText(t: string): string {
  const m: Record<string, string> = {
    string: 'string',
    number: 'number',
    bool: 'boolean',
    stringList: 'list',
    map: 'map',
    struct: 'group of fields',
    structList: 'list of checks',
  };
  return m[t] ?? t;
}
