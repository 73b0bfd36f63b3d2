import { evaluateFilter } from '../../sources/filter/evaluate-filter.js';
import type { FilterAst } from '../../sources/filter/filter-ast.js';
import { parseFilter } from '../../sources/filter/parse-filter.js';
import type { ChainTarget, ServiceHealthLike } from './compiled-chain.js';

export type InstanceHealth = 'passing' | 'warning' | 'critical';

/** The aggregate health of an instance, as Consul computes it: critical beats warning beats passing. */
export function instanceHealth(instance: ServiceHealthLike): InstanceHealth {
  let health: InstanceHealth = 'passing';
  for (const c of instance.Checks ?? []) {
    if (c.Status === 'critical') return 'critical';
    if (c.Status === 'warning') health = 'warning';
    else if (c.Status !== 'passing') return 'critical'; // an unknown status is not healthy
  }
  return health;
}

/** Parsed subset filters by source text; bounded (filters come from a handful of resolvers). */
const parsed = new Map<string, FilterAst | null>();
const PARSED_MAX = 256;

function filterAst(src: string): FilterAst | null {
  let ast = parsed.get(src);
  if (ast === undefined) {
    const r = parseFilter(src);
    ast = r.ok ? r.value : null;
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
    parsed.set(src, ast);
  }
  return ast;
}

/**
 * The instances of a target's service that serve it: those its subset Filter selects, without critical ones,
 * and without warning ones when the subset is OnlyPassing. Order is kept. A filter that does not parse (the
 * entry validation refuses those) selects nothing. Pass the instances of `target.service` only.
 */
export function selectTargetInstances<T extends ServiceHealthLike>(target: ChainTarget, instances: readonly T[]): T[] {
  const ast = target.filter ? filterAst(target.filter) : undefined;
  if (ast === null) return [];
  return instances.filter((inst) => {
    const health = instanceHealth(inst);
    if (health === 'critical' || (health === 'warning' && target.onlyPassing)) return false;
    return ast === undefined || evaluateFilter(ast, inst);
  });
}
