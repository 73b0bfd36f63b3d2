import { OrderedMap } from 'immutable';

/**
 * An immutable map with structure sharing: a changed version costs O(log n) per changed key (a hash
 * array mapped trie, immutable's `OrderedMap`), and every version stays valid. Readers see it as a plain
 * `ReadonlyMap`; it iterates in insertion order like `Map` (an updated key keeps its place, a deleted and
 * re-added one goes last).
 *
 * The wrapper is frozen and not a plain object, so immer's deep `freeze` neither walks into nor breaks the
 * trie: values are frozen by whoever stores them (the store freezes records as they are set).
 */
export class PersistentMap<V> implements ReadonlyMap<string, V> {
  static #empty: PersistentMap<never> | undefined;

  static empty<V>(): PersistentMap<V> {
    return (PersistentMap.#empty ??= new PersistentMap<never>(OrderedMap<string, never>())) as PersistentMap<V>;
  }

  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    const editor = PersistentMap.empty<V>().edit();
    for (const [k, v] of entries) editor.set(k, v);
    return editor.done();
  }

  readonly #inner: OrderedMap<string, V>;

  private constructor(inner: OrderedMap<string, V>) {
    this.#inner = inner;
    Object.freeze(this);
  }

  get size(): number {
    return this.#inner.size;
  }
  get(key: string): V | undefined {
    return this.#inner.get(key);
  }
  has(key: string): boolean {
    return this.#inner.has(key);
  }
  keys(): MapIterator<string> {
    return this.#inner.keys() as MapIterator<string>;
  }
  values(): MapIterator<V> {
    return this.#inner.values() as MapIterator<V>;
  }
  entries(): MapIterator<[string, V]> {
    return this.#inner.entries() as MapIterator<[string, V]>;
  }
  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#inner.entries()) fn.call(thisArg, v, k, this);
  }
  get [Symbol.toStringTag](): string {
    return 'PersistentMap';
  }

  /** This map with `key` set to `value` (this map itself if it already holds that very value). */
  with(key: string, value: V): PersistentMap<V> {
    return this.#wrap(this.#inner.set(key, value));
  }

  /** This map without `key` (this map itself if it has no such key). */
  without(key: string): PersistentMap<V> {
    return this.#wrap(this.#inner.delete(key));
  }

  /**
   * A scratch copy for many changes at once (cheaper than one `with` per key): changes go to the editor
   * only, never to this map; `done()` returns the new version (this map if nothing changed).
   */
  edit(): PersistentMapEditor<V> {
    const base = this;
    let draft: OrderedMap<string, V> | undefined;
    const current = () => draft ?? base.#inner;
    return {
      get: (key) => current().get(key),
      has: (key) => current().has(key),
      get size() {
        return current().size;
      },
      values: () => current().values(),
      set(key, value) {
        draft = (draft ?? base.#inner.asMutable()).set(key, value);
      },
      delete(key) {
        if (current().has(key)) draft = (draft ?? base.#inner.asMutable()).delete(key);
      },
      done: () => (draft ? base.#wrap(draft.asImmutable()) : base),
    };
  }

  #wrap(inner: OrderedMap<string, V>): PersistentMap<V> {
    return inner === this.#inner ? this : new PersistentMap(inner);
  }

  /** Shown as its entries by `console.log` / `util.inspect` (the trie is an implementation detail). */
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `PersistentMap(${this.size}) ${inspect(new Map(this.#inner.entries()), options).replace(/^Map\(\d+\) /, '')}`;
  }
}

/** A mutable scratch copy of a {@link PersistentMap} (see {@link PersistentMap.edit}). */
export interface PersistentMapEditor<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  readonly size: number;
  values(): IterableIterator<V>;
  set(key: string, value: V): void;
  delete(key: string): void;
  /** The new version; the editor must not be used after. */
  done(): PersistentMap<V>;
}

/** `map` as a {@link PersistentMap}: itself if it is one, else a copy (O(n), for maps built elsewhere). */
export function asPersistent<V>(map: ReadonlyMap<string, V>): PersistentMap<V> {
  return map instanceof PersistentMap ? map : PersistentMap.from(map);
}
