import { createHash } from 'node:crypto';

/**
 * A version for a set of resources: a hash of its members' names and content versions, so equal
 * sets get equal versions on every replica and across restarts. Used as the SotW `version_info` and
 * the Delta `system_version_info`.
 */
export function setVersion(members: Iterable<readonly [name: string, version: string]>): string {
  const sorted = [...members].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const hash = createHash('sha256');
  for (const [name, version] of sorted) hash.update(name).update('\u0000').update(version).update('\n');
  return hash.digest().subarray(0, 12).toString('base64url');
}
