import type { CaPersistence, CaState } from './ca-types.js';

/** Keeps the CA state in memory (tests, embedders that persist elsewhere). `saves` counts writes. */
export function createMemoryCaPersistence(initial?: CaState): CaPersistence & { readonly saves: number; readonly state: CaState | undefined } {
  let state = initial;
  let saves = 0;
  return {
    get saves() {
      return saves;
    },
    get state() {
      return state;
    },
    load: () => Promise.resolve(state),
    save(next) {
      state = next;
      saves++;
      return Promise.resolve();
    },
  };
}
