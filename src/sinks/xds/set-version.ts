/**
 * The version of a set of resources (SotW `version_info`, Delta `system_version_info`): an
 * order-independent digest of its members' names and content versions. Equal sets get equal
 * versions on every replica and across restarts. It is a sum of per-member hashes, so a response
 * that changes k members updates it in O(k), not O(set size): a push of one changed endpoint set to
 * a stream holding 1000 costs one member update, not a sort and a hash of the whole set.
 */
export interface SetDigest {
  readonly count: number;
  readonly lo: number;
  readonly hi: number;
}

export const EMPTY_DIGEST: SetDigest = Object.freeze({ count: 0, lo: 0, hi: 0 });

/** Something with a content version (a Resource, or a version a Delta client claims). */
export interface Versioned {
  readonly version: string;
}

export function digestAdd(d: SetDigest, name: string, version: string): SetDigest {
  const [lo, hi] = memberHash(name, version);
  return { count: d.count + 1, lo: (d.lo + lo) >>> 0, hi: (d.hi + hi) >>> 0 };
}

export function digestRemove(d: SetDigest, name: string, version: string): SetDigest {
  const [lo, hi] = memberHash(name, version);
  return { count: d.count - 1, lo: (d.lo - lo) >>> 0, hi: (d.hi - hi) >>> 0 };
}

/**
 * The digest after replacing members: for each [name, next] (next undefined = removed), the old
 * member (if `before` has one) leaves and the new one joins.
 */
export function digestUpdate(
  d: SetDigest,
  before: ReadonlyMap<string, Versioned>,
  changes: Iterable<readonly [string, Versioned | undefined]>,
): SetDigest {
  let out = d;
  for (const [name, next] of changes) {
    const prev = before.get(name);
    if (prev?.version === next?.version) continue;
    if (prev) out = digestRemove(out, name, prev.version);
    if (next) out = digestAdd(out, name, next.version);
  }
  return out;
}

export function digestOf(members: Iterable<readonly [string, Versioned]>): SetDigest {
  let d = EMPTY_DIGEST;
  for (const [name, m] of members) d = digestAdd(d, name, m.version);
  return d;
}

/** The version string of a digest. */
export function digestVersion(d: SetDigest): string {
  return `${d.count.toString(36)}-${d.hi.toString(36).padStart(7, '0')}${d.lo.toString(36).padStart(7, '0')}`;
}

/** A version for a set given at once (e.g. a Fetch response). */
export function setVersion(members: Iterable<readonly [name: string, version: string]>): string {
  let d = EMPTY_DIGEST;
  for (const [name, version] of members) d = digestAdd(d, name, version);
  return digestVersion(d);
}

/**
 * Two 32-bit lanes over `name \0 version`: FNV-1a with different offset bases and primes, each
 * finished with a 32-bit avalanche so that summing members does not cancel structure.
 */
function memberHash(name: string, version: string): [number, number] {
  // Inlined mixing (no per-call closure: this runs per stream for every member a push changes).
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
  }
  a = Math.imul(a, 0x01000193); // the separator: code 0
  b = Math.imul(b, 0x5bd1e995);
  for (let i = 0; i < version.length; i++) {
    const code = version.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
  }
  return [avalanche(a), avalanche(b ^ 0x27d4eb2f)];
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
