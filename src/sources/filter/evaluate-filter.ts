import type { FilterAst, FilterMatch } from './filter-ast.js';

/** What a filter is evaluated against: a service instance with its node and checks (Consul's CheckServiceNode). */
export interface FilterInstance {
  readonly Service: {
    readonly ID?: string;
    readonly Service?: string;
    readonly Kind?: string;
    readonly Address?: string;
    readonly Port?: number;
    readonly Tags?: readonly string[];
    readonly Meta?: Readonly<Record<string, string>>;
    readonly Weights?: { readonly Passing?: number; readonly Warning?: number };
  };
  readonly Node?: {
    readonly ID?: string;
    readonly Node?: string;
    readonly Address?: string;
    readonly Datacenter?: string;
    readonly Meta?: Readonly<Record<string, string>>;
  };
  readonly Checks?: readonly Readonly<Record<string, unknown>>[];
}

const MISSING = Symbol('missing');
type Selected = string | number | boolean | readonly unknown[] | Readonly<Record<string, unknown>> | typeof MISSING;

/**
 * Evaluates a parsed filter. A field or map key the instance lacks (`Service.Meta.version` on an instance
 * without that key) matches nothing except the negated operators (`!=`, `not in`, `not matches`) and `is empty`.
 */
export function evaluateFilter(ast: FilterAst, instance: FilterInstance): boolean {
  switch (ast.type) {
    case 'and':
      return evaluateFilter(ast.left, instance) && evaluateFilter(ast.right, instance);
    case 'or':
      return evaluateFilter(ast.left, instance) || evaluateFilter(ast.right, instance);
    case 'not':
      return !evaluateFilter(ast.operand, instance);
    case 'match':
      return evaluateMatch(ast, select(instance, ast.selector));
  }
}

function evaluateMatch(m: FilterMatch, v: Selected): boolean {
  const value = m.value ?? '';
  switch (m.op) {
    case 'equal':
      return v !== MISSING && equals(v, value);
    case 'notEqual':
      return v === MISSING || !equals(v, value);
    case 'in':
      return v !== MISSING && contains(v, value);
    case 'notIn':
      return v === MISSING || !contains(v, value);
    case 'isEmpty':
      return v === MISSING || isEmpty(v);
    case 'isNotEmpty':
      return v !== MISSING && !isEmpty(v);
    case 'matches':
      return typeof v === 'string' && (m.regex ?? new RegExp(value)).test(v);
    case 'notMatches':
      return !(typeof v === 'string' && (m.regex ?? new RegExp(value)).test(v));
  }
}

function equals(v: Exclude<Selected, typeof MISSING>, literal: string): boolean {
  if (typeof v === 'number') return Number(literal) === v;
  if (typeof v === 'boolean') return String(v) === literal.toLowerCase();
  return v === literal;
}

function contains(v: Exclude<Selected, typeof MISSING>, literal: string): boolean {
  if (typeof v === 'string') return v.includes(literal);
  if (Array.isArray(v)) return v.some((x) => String(x) === literal);
  if (typeof v === 'object') return Object.prototype.hasOwnProperty.call(v, literal);
  return false;
}

function isEmpty(v: Exclude<Selected, typeof MISSING>): boolean {
  if (typeof v === 'string') return v === '';
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Walks canonical selector segments; through a list (Checks), collects the field of every element. */
function select(instance: unknown, selector: readonly string[]): Selected {
  let cur: unknown = instance;
  for (let i = 0; i < selector.length; i++) {
    if (Array.isArray(cur)) {
      const rest = selector.slice(i);
      return cur.map((el) => select(el, rest)).filter((x): x is Exclude<Selected, typeof MISSING> => x !== MISSING);
    }
    if (cur === null || typeof cur !== 'object') return MISSING;
    const obj = cur as Record<string, unknown>;
    const seg = selector[i]!;
    if (!Object.prototype.hasOwnProperty.call(obj, seg)) return MISSING;
    cur = obj[seg];
  }
  if (cur === undefined || cur === null) return MISSING;
  return cur as Selected;
}
