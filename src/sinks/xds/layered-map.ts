const REMOVED = Symbol('removed');
/** The (never mutated) empty layer shared by every flattened map. */
const NO_CHANGES: ReadonlyMap<string, never> = new Map<string, never>();

/**
 * An immutable map whose updates cost O(changes), not O(size): a shared base map plus a small
 * layer of changes on top, flattened into a new base once the layer grows. What a stream holds
 * (thousands of names) is "updated" on every response, usually by one entry; copying it each time
 * would make a push to N streams allocate N full copies.
 */
export class LayeredMap<V> implements ReadonlyMap<string, V> {
  private constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly top: ReadonlyMap<string, V | typeof REMOVED>,
    readonly size: number,
  ) {}

  static of<V>(entries: Iterable<readonly [string, V]> = []): LayeredMap<V> {
    const base = new Map(entries);
    return new LayeredMap<V>(base, NO_CHANGES, base.size);
  }

  get(key: string): V | undefined {
    const t = this.top.get(key);
    if (t === REMOVED) return undefined;
    return t !== undefined ? t : this.base.get(key);
  }

  has(key: string): boolean {
    const t = this.top.get(key);
    return t === undefined ? this.base.has(key) : t !== REMOVED;
  }

  /**
   * A new map with `changes` applied (undefined removes the key). If the result has the same
   * entries as `candidate`, `candidate` itself becomes the base: streams that hold exactly what a
   * snapshot has then share its map instead of each keeping a copy. That check costs O(n), so it
   * is made only when the layer is flattened anyway or the map is being filled from empty.
   */
  with(changes: Iterable<readonly [string, V | undefined]>, candidate?: ReadonlyMap<string, V>): LayeredMap<V> {
    const top = new Map(this.top);
    let size = this.size;
    for (const [k, v] of changes) {
      const had = this.hasIn(top, k);
      if (v === undefined) {
        if (!had) continue;
        top.set(k, REMOVED);
        size--;
      } else {
        top.set(k, v);
        if (!had) size++;
      }
    }
    // Flatten once the layer outgrows sqrt(base): layer copies and flattens then cost O(sqrt n) per update.
    const flatten = top.size > Math.max(32, Math.sqrt(this.base.size));
    if (candidate && (flatten || this.base.size === 0) && candidate.size === size && candidate.size > 0) {
      const next = new LayeredMap(this.base, top, size);
      let same = true;
      for (const [k, v] of candidate) if (next.get(k) !== v) (same = false);
      if (same) return new LayeredMap(candidate, NO_CHANGES, size);
    }
    if (flatten) {
      const base = new Map<string, V>();
      for (const [k, v] of this.entriesOf(top)) base.set(k, v);
      return new LayeredMap(base, NO_CHANGES, size);
    }
    return new LayeredMap(this.base, top, size);
  }

  *entries(): MapIterator<[string, V]> {
    for (const e of this.entriesOf(this.top)) yield e;
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entriesOf(this.top)) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entriesOf(this.top)) yield v;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [k, v] of this.entriesOf(this.top)) fn(v, k, this);
  }

  private hasIn(top: ReadonlyMap<string, V | typeof REMOVED>, key: string): boolean {
    const t = top.get(key);
    return t === undefined ? this.base.has(key) : t !== REMOVED;
  }

  private *entriesOf(top: ReadonlyMap<string, V | typeof REMOVED>): Generator<[string, V], undefined, undefined> {
    for (const [k, v] of this.base) if (!top.has(k)) yield [k, v];
    for (const [k, v] of top) if (v !== REMOVED) yield [k, v];
  }
}

/** `map` with `changes` applied (undefined removes), as a LayeredMap sharing what did not change. */
export function withChanges<V>(
  map: ReadonlyMap<string, V>,
  changes: Iterable<readonly [string, V | undefined]>,
  candidate?: ReadonlyMap<string, V>,
): ReadonlyMap<string, V> {
  return (map instanceof LayeredMap ? (map as LayeredMap<V>) : LayeredMap.of(map)).with(changes, candidate);
}
