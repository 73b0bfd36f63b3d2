import type { AclConfig, AclPolicy } from '../file/acl-config.js';
import { ALLOW_ALL, createAuthorizer, type Authorizer } from './authorizer.js';
import { findDigest, hashSecret } from './token-hash.js';

interface KnownToken {
  readonly digest: Buffer;
  readonly authorizer: Authorizer;
}

/**
 * The ACL rules in force: the default policy and the known tokens, by the SHA-256 of their secret (the
 * secrets themselves are not kept). Immutable; a new state is built on every change of the acl config.
 */
export interface AclState {
  /** False when no `acl` section is configured: every caller may do everything, tokens are ignored. */
  readonly enabled: boolean;
  readonly defaultPolicy: 'allow' | 'deny';
  /** The known token with this secret, or undefined. Constant-time over all tokens. */
  resolveToken(secret: string): Authorizer | undefined;
  /**
   * The caller's rights: its token's, or anonymous ones when it sent none. An unknown token is
   * refused with default policy deny, and is anonymous with allow (as if it had sent none).
   */
  authorize(secret: string | undefined): Authorizer;
}

const label = (t: { AccessorID?: string | undefined; Description?: string | undefined }, i: number): string =>
  t.AccessorID ?? (t.Description ? `token "${t.Description}"` : `token #${i + 1}`);

/** The state for an `acl` section (undefined: none configured, ACLs off). */
export function aclState(config: AclConfig | undefined): AclState {
  if (!config) return DISABLED;
  const defaultAllow = config.DefaultPolicy === 'allow';
  const tokens: KnownToken[] = config.Tokens.map((t, i) => ({
    digest: hashSecret(t.SecretID),
    authorizer: createAuthorizer({ defaultAllow, policies: t.Policies as readonly AclPolicy[], label: label(t, i), authenticated: true }),
  }));
  const digests = tokens.map((t) => t.digest);
  const anonymous = createAuthorizer({
    defaultAllow,
    policies: [],
    label: 'anonymous',
    authenticated: defaultAllow,
    ...(defaultAllow ? {} : { refusal: 'anonymous token (a token is required)' }),
  });
  const unknown = defaultAllow
    ? anonymous
    : createAuthorizer({ defaultAllow, policies: [], label: 'unknown token', authenticated: false, refusal: 'ACL not found' });
  const resolveToken = (secret: string): Authorizer | undefined => {
    const i = findDigest(digests, hashSecret(secret));
    return i === -1 ? undefined : tokens[i]!.authorizer;
  };
  return {
    enabled: true,
    defaultPolicy: config.DefaultPolicy,
    resolveToken,
    authorize: (secret) => (secret === undefined || secret === '' ? anonymous : (resolveToken(secret) ?? unknown)),
  };
}

const DISABLED: AclState = {
  enabled: false,
  defaultPolicy: 'allow',
  resolveToken: () => undefined,
  authorize: () => ALLOW_ALL,
};

/** Before the configuration is known: nobody may do anything (nothing is served on a guess). */
export const ACL_LOADING: AclState = {
  enabled: true,
  defaultPolicy: 'deny',
  resolveToken: () => undefined,
  authorize: () =>
    createAuthorizer({ defaultAllow: false, policies: [], label: 'anonymous', authenticated: false, refusal: 'ACL configuration not loaded yet' }),
};
