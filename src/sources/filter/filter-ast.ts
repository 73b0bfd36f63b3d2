/**
 * The syntax tree of a filter expression in the subset of HashiCorp's go-bexpr language that Consul uses for
 * service-resolver subsets (`Service.Meta.version == v1`, `v1 in Service.Tags`, `and`, `or`, `not`, ...).
 */
export type FilterAst = FilterAnd | FilterOr | FilterNot | FilterMatch;

export interface FilterAnd {
  readonly type: 'and';
  readonly left: FilterAst;
  readonly right: FilterAst;
}

export interface FilterOr {
  readonly type: 'or';
  readonly left: FilterAst;
  readonly right: FilterAst;
}

export interface FilterNot {
  readonly type: 'not';
  readonly operand: FilterAst;
}

/**
 * One comparison. `contains` is stored as `in` (the same test with the operands swapped):
 * `Service.Tags contains v1` and `v1 in Service.Tags` give the same node.
 */
export interface FilterMatch {
  readonly type: 'match';
  /** Canonical field names, e.g. `['Service', 'Meta', 'version']`. */
  readonly selector: readonly string[];
  readonly op: MatchOp;
  /** The literal compared against (absent for `is empty` / `is not empty`). */
  readonly value?: string;
  /** Compiled once at parse time for `matches` / `not matches`. */
  readonly regex?: RegExp;
}

export type MatchOp = 'equal' | 'notEqual' | 'in' | 'notIn' | 'isEmpty' | 'isNotEmpty' | 'matches' | 'notMatches';

/** Renders a tree back to filter syntax (canonical spacing and quoting); parsing the result gives the same tree. */
export function formatFilter(ast: FilterAst): string {
  switch (ast.type) {
    case 'and':
      return `${paren(ast.left, 'and')} and ${paren(ast.right, 'and')}`;
    case 'or':
      return `${paren(ast.left, 'or')} or ${paren(ast.right, 'or')}`;
    case 'not':
      return `not ${paren(ast.operand, 'not')}`;
    case 'match': {
      const sel = ast.selector
        .map((seg, i) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg) ? (i === 0 ? seg : `.${seg}`) : `[${JSON.stringify(seg)}]`))
        .join('');
      const v = JSON.stringify(ast.value ?? '');
      switch (ast.op) {
        case 'equal':
          return `${sel} == ${v}`;
        case 'notEqual':
          return `${sel} != ${v}`;
        case 'in':
          return `${v} in ${sel}`;
        case 'notIn':
          return `${v} not in ${sel}`;
        case 'isEmpty':
          return `${sel} is empty`;
        case 'isNotEmpty':
          return `${sel} is not empty`;
        case 'matches':
          return `${sel} matches ${v}`;
        case 'notMatches':
          return `${sel} not matches ${v}`;
      }
    }
  }
}

function paren(ast: FilterAst, parent: 'and' | 'or' | 'not'): string {
  const s = formatFilter(ast);
  if (ast.type === 'match' || ast.type === parent) return s;
  if (parent === 'or' && ast.type === 'and') return s;
  if (ast.type === 'not') return s;
  return `(${s})`;
}
