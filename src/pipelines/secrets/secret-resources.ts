import { combineLatest, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { Resource, ResourceEncoder } from '../../core/resource.js';
import type { CaRoots, Leaf } from '../../sources/ca/ca-types.js';
import { leafSecret } from './leaf-secret.js';
import { trustBundleSecret } from './trust-bundle-secret.js';

/** The two SDS Secrets a sidecar of one service needs. */
export interface ServiceSecrets {
  readonly leaf: Resource;
  readonly roots: Resource;
}

/**
 * Secret resources built once per leaf and per trust bundle (by object identity) and encoded with the
 * shared encoder, so every proxy of a service gets the same Resource objects.
 */
export interface SecretResources {
  leaf(leaf: Leaf): Resource;
  roots(roots: CaRoots): Resource;
}

export function createSecretResources(encoder: ResourceEncoder): SecretResources {
  const leaves = new WeakMap<Leaf, Resource>();
  const bundles = new WeakMap<CaRoots, Resource>();
  return {
    leaf(leaf) {
      let r = leaves.get(leaf);
      if (!r) leaves.set(leaf, (r = encoder.encode(leafSecret(leaf))));
      return r;
    },
    roots(roots) {
      let r = bundles.get(roots);
      if (!r) bundles.set(roots, (r = encoder.encode(trustBundleSecret(roots))));
      return r;
    },
  };
}

/**
 * A service's secrets as they change: a new value when its leaf is renewed or the trust bundle changes
 * (same names, new versions), none when neither resource's content changed.
 */
export function serviceSecrets$(leaf$: Observable<Leaf>, roots$: Observable<CaRoots>, secrets: SecretResources): Observable<ServiceSecrets> {
  return combineLatest([leaf$, roots$]).pipe(
    map(([leaf, roots]): ServiceSecrets => ({ leaf: secrets.leaf(leaf), roots: secrets.roots(roots) })),
    distinctUntilChanged((a, b) => a.leaf.version === b.leaf.version && a.roots.version === b.roots.version),
  );
}
