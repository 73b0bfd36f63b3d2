export type { FilterAst, FilterAnd, FilterOr, FilterNot, FilterMatch, MatchOp } from './filter-ast.js';
export { formatFilter } from './filter-ast.js';
export { parseFilter, type ParseFilterResult } from './parse-filter.js';
export { evaluateFilter, type FilterInstance } from './evaluate-filter.js';
