import { create } from '@bufbuild/protobuf';
import { SecretSchema, type Secret } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { CaRoots } from '../../sources/ca/ca-types.js';
import { ROOTS_SECRET_NAME } from '../generate/names.js';

/**
 * The SDS Secret of the trust bundle: a CertificateValidationContext whose trusted_ca holds every root
 * in the bundle (PEMs concatenated in bundle order, oldest first), so peers with leaves from the old
 * root still verify during a rotation. SAN matching is not here: listeners and clusters add it in
 * their combined validation context. Pure: the same roots give an equal message.
 */
export function trustBundleSecret(roots: CaRoots, name: string = ROOTS_SECRET_NAME): Secret {
  const bundle = roots.roots.map((r) => (r.certPem.endsWith('\n') ? r.certPem : `${r.certPem}\n`)).join('');
  return create(SecretSchema, {
    name,
    type: {
      case: 'validationContext',
      value: { trustedCa: { specifier: { case: 'inlineString', value: bundle } } },
    },
  });
}
