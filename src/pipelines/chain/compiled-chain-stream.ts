import { Observable, type Subscription } from 'rxjs';
import { jsonEqual } from '../../sources/store/json-equal.js';
import { compileChain } from './compile-chain.js';
import type { ChainEntries, CompiledChain } from './compiled-chain.js';

export interface CompiledChainOptions {
  readonly trustDomain: string;
  /** A chain that does not compile (ChainError, or any other error): the previous chain stays in force. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The compiled chain of `serviceName` as the config entries change: emits the first chain that compiles, then
 * only chains that differ (deep equality) from the last one emitted. A change to an entry the chain does not
 * depend on is not even recompiled; a chain that fails to compile is reported to `onError` and not emitted.
 * Completes and errors with `entries$`.
 */
export function compiledChain$(
  serviceName: string,
  entries$: Observable<ChainEntries>,
  options: CompiledChainOptions,
): Observable<CompiledChain> {
  return new Observable<CompiledChain>((subscriber) => {
    let last: CompiledChain | undefined;
    /** The dependency entries the last compiled chain saw (by reference). */
    let seen: { keys: readonly string[]; values: readonly unknown[] } | undefined;
    const sub: Subscription = entries$.subscribe({
      next(entries) {
        if (seen && seen.keys.every((k, i) => entries.get(k) === seen!.values[i])) return;
        let chain: CompiledChain;
        try {
          chain = compileChain({ serviceName, trustDomain: options.trustDomain, entries });
        } catch (e) {
          seen = undefined;
          options.onError?.(e);
          return;
        }
        seen = { keys: chain.dependencies, values: chain.dependencies.map((k) => entries.get(k)) };
        if (last && jsonEqual(last, chain)) return;
        last = chain;
        subscriber.next(chain);
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    return sub;
  });
}
