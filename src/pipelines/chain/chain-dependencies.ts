import type { CompiledChain } from './compiled-chain.js';

/**
 * The config entries (`kind/name`) a chain depends on, present or absent (e.g. `service-router/x` while no
 * router exists: creating it would change the chain). The per-proxy pipeline watches exactly these and
 * recompiles when one of them changes.
 */
export function chainDependencies(chain: CompiledChain): readonly string[] {
  return chain.dependencies;
}

/** The services whose instances the chain's targets select from (sorted): what EDS must watch. */
export function chainServices(chain: CompiledChain): readonly string[] {
  return [...new Set(Object.values(chain.targets).map((t) => t.service))].sort();
}
