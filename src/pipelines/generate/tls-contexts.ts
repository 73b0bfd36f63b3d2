import { create } from '@bufbuild/protobuf';
import type { TransportSocket } from '../../gen/envoy/config/core/v3/base_pb.js';
import { TransportSocketSchema } from '../../gen/envoy/config/core/v3/base_pb.js';
import { SubjectAltNameMatcher_SanType } from '../../gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import {
  DownstreamTlsContextSchema,
  UpstreamTlsContextSchema,
  CommonTlsContextSchema,
  type CommonTlsContext,
} from '../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { SdsSecretConfigSchema } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { adsConfigSource, typed } from './envoy-values.js';
import { Filter, leafSecretName, ROOTS_SECRET_NAME } from './names.js';

/**
 * mTLS between sidecars, with every certificate from SDS over ADS (the CA serves the secrets named in
 * names.ts): a proxy presents its service's leaf and validates peers against the roots.
 */
function commonTlsContext(service: string, peerSpiffeId?: string): CommonTlsContext {
  const roots = create(SdsSecretConfigSchema, { name: ROOTS_SECRET_NAME, sdsConfig: adsConfigSource() });
  return create(CommonTlsContextSchema, {
    tlsCertificateSdsSecretConfigs: [{ name: leafSecretName(service), sdsConfig: adsConfigSource() }],
    validationContextType: peerSpiffeId
      ? {
          case: 'combinedValidationContext',
          value: {
            defaultValidationContext: {
              matchTypedSubjectAltNames: [{ sanType: SubjectAltNameMatcher_SanType.URI, matcher: { matchPattern: { case: 'exact', value: peerSpiffeId } } }],
            },
            validationContextSdsSecretConfig: roots,
          },
        }
      : { case: 'validationContextSdsSecretConfig', value: roots },
  });
}

/** The public listener's TLS: the local service's leaf, client certificates required (mTLS). */
export function downstreamTls(localService: string): TransportSocket {
  const ctx = create(DownstreamTlsContextSchema, { commonTlsContext: commonTlsContext(localService), requireClientCertificate: true });
  return create(TransportSocketSchema, { name: Filter.tlsTransportSocket, configType: { case: 'typedConfig', value: typed(DownstreamTlsContextSchema, ctx) } });
}

/**
 * An upstream cluster's TLS: the local service's leaf as client certificate, the target's SNI, and the
 * peer must present the target service's SPIFFE ID.
 */
export function upstreamTls(localService: string, sni: string, peerSpiffeId: string): TransportSocket {
  const ctx = create(UpstreamTlsContextSchema, { commonTlsContext: commonTlsContext(localService, peerSpiffeId), sni });
  return create(TransportSocketSchema, { name: Filter.tlsTransportSocket, configType: { case: 'typedConfig', value: typed(UpstreamTlsContextSchema, ctx) } });
}
