/**
 * Memoizes generated messages on the identity of immutable inputs: a resource many proxies share (an
 * upstream's clusters, a target's endpoints) is built once per change of what it is made of, and the
 * same message object goes to every proxy (so the ResourceEncoder encodes it once too). Entries live as
 * long as their owner object (a WeakMap): inputs that no proxy holds any more are collected with their
 * results. One cache per proxy manager, never a module global.
 */
export class GenerationCache {
  private readonly byOwner = new WeakMap<object, Map<string, unknown>>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  /** Number of builds (cache misses), for tests and benchmarks of sharing. */
  builds = 0;

  /** The value for (owner, key), built once while owner lives. */
  memo<T>(owner: object, key: string, build: () => T): T {
    let entries = this.byOwner.get(owner);
    if (!entries) this.byOwner.set(owner, (entries = new Map()));
    if (entries.has(key)) return entries.get(key) as T;
    const value = build();
    this.builds++;
    entries.set(key, value);
    return value;
  }

  /** A small number naming an object's identity (for keys that depend on several objects); 0 for undefined. */
  idOf(o: object | undefined): number {
    if (o === undefined) return 0;
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.nextId++));
    return id;
  }
}
