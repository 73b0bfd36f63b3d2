import { createHash, timingSafeEqual } from 'node:crypto';

/** A secret's SHA-256 digest: what the ACL state keeps and compares (never the secret itself). */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * The index of the entry whose digest equals `digest`, or -1. Every entry is compared with
 * `timingSafeEqual` and the loop never stops early, so the time taken does not depend on how much of a
 * guessed secret is right, nor on which token matched.
 */
export function findDigest(digests: readonly Buffer[], digest: Buffer): number {
  let found = -1;
  for (let i = 0; i < digests.length; i++) {
    if (timingSafeEqual(digests[i]!, digest) && found === -1) found = i;
  }
  return found;
}
