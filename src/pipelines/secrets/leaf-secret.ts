import { create } from '@bufbuild/protobuf';
import { SecretSchema, type Secret } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { Leaf } from '../../sources/ca/ca-types.js';
import { leafSecretName } from '../generate/names.js';

/**
 * The SDS Secret of a service's leaf: a TlsCertificate with the certificate chain and private key as
 * inline strings (PEM). Named `leafSecretName(service)`, so a renewal changes this Secret's content
 * and nothing that refers to it. Pure: the same leaf gives an equal message.
 */
export function leafSecret(leaf: Leaf, name: string = leafSecretName(leaf.service)): Secret {
  return create(SecretSchema, {
    name,
    type: {
      case: 'tlsCertificate',
      value: {
        certificateChain: { specifier: { case: 'inlineString', value: leaf.certPem } },
        privateKey: { specifier: { case: 'inlineString', value: leaf.privateKeyPem } },
      },
    },
  });
}
