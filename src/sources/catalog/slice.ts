import { distinctUntilChanged, map, scan, type OperatorFunction } from 'rxjs';
import type { CatalogState } from '../store/catalog-state.js';

/** A part of the catalog and the store index at which it last changed (what `X-Consul-Index` shows). */
export interface Slice<T> {
  readonly value: T;
  /** Never 0; never smaller than an earlier index of the same selector. */
  readonly index: number;
}

export interface SliceSpec<T> {
  /** The index that moves whenever the slice may have changed (the slice is recomputed only then). */
  readonly indexOf: (state: CatalogState) => number;
  readonly project: (state: CatalogState) => T;
  /** Equal values are the same slice (nothing is emitted). */
  readonly equal: (a: T, b: T) => boolean;
}

/**
 * Maps states to a slice that is emitted only when its value changes. Its index is the state's index
 * key at that change, so an index moving without a visible change (another service's check) emits
 * nothing, and a slice's index is stable while its value is.
 */
export function selectSlice<T>(spec: SliceSpec<T>): OperatorFunction<CatalogState, Slice<T>> {
  interface Acc {
    readonly slice: Slice<T> | undefined;
    readonly keyIndex: number;
  }
  return (state$) =>
    state$.pipe(
      scan<CatalogState, Acc>(
        (acc, state) => {
          const keyIndex = spec.indexOf(state);
          if (acc.slice && keyIndex === acc.keyIndex) return acc;
          const value = spec.project(state);
          if (acc.slice && spec.equal(acc.slice.value, value)) return { slice: acc.slice, keyIndex };
          return { slice: { value, index: Math.max(keyIndex, acc.slice?.index ?? 1) }, keyIndex };
        },
        { slice: undefined, keyIndex: 0 },
      ),
      map((acc) => acc.slice!),
      distinctUntilChanged(),
    );
}

/** Equality of arrays by element identity (the store shares unchanged records between states). */
export function sameElements<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
