import { create } from '@bufbuild/protobuf';
import type { Cluster } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterSchema } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Node } from '../../gen/envoy/config/core/v3/base_pb.js';
import type { TransportSocket } from '../../gen/envoy/config/core/v3/base_pb.js';
import { TransportSocketSchema } from '../../gen/envoy/config/core/v3/base_pb.js';
import { CommonTlsContextSchema, DownstreamTlsContextSchema, UpstreamTlsContextSchema, type CommonTlsContext } from '../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { typed } from './envoy-values.js';
import { Filter, PROXYLESS_CERT_PROVIDER, PROXYLESS_MTLS_METADATA } from './names.js';

/**
 * mTLS between proxyless gRPC peers. gRPC does not speak SDS: each peer loads its leaf and the trust bundle
 * from a certificate provider instance of its bootstrap (gRPC's `file_watcher`, files the operator keeps
 * fresh from rxds's CA endpoints), and rxds only names that instance. The identity a client presents is the
 * certificate it loaded; the server's RBAC matches it by SPIFFE ID (see proxyless-server.ts).
 */
function commonTlsContext(instance: string, peerSpiffePrefix?: string): CommonTlsContext {
  return create(CommonTlsContextSchema, {
    tlsCertificateProviderInstance: { instanceName: instance, certificateName: 'default' },
    validationContextType: {
      case: 'validationContext',
      value: {
        caCertificateProviderInstance: { instanceName: instance, certificateName: 'ROOTCA' },
        ...(peerSpiffePrefix ? { matchSubjectAltNames: [{ matchPattern: { case: 'prefix', value: peerSpiffePrefix } }] } : {}),
      },
    },
  });
}

/** A server listener's TLS: the server's leaf, client certificates required and validated against the roots. */
export function proxylessDownstreamTls(instance: string = PROXYLESS_CERT_PROVIDER): TransportSocket {
  const ctx = create(DownstreamTlsContextSchema, { commonTlsContext: commonTlsContext(instance), requireClientCertificate: true });
  return create(TransportSocketSchema, { name: Filter.tlsTransportSocket, configType: { case: 'typedConfig', value: typed(DownstreamTlsContextSchema, ctx) } });
}

/**
 * A client cluster's TLS: the client's leaf as client certificate, the server validated against the roots
 * and (given `peerSpiffePrefix`) its certificate's URI SAN starting with it. gRPC checks a server's name
 * only through these SAN matchers: without one it would check the endpoint's IP address, which mesh
 * leaves do not carry.
 */
export function proxylessUpstreamTls(instance: string = PROXYLESS_CERT_PROVIDER, peerSpiffePrefix?: string): TransportSocket {
  const ctx = create(UpstreamTlsContextSchema, { commonTlsContext: commonTlsContext(instance, peerSpiffePrefix) });
  return create(TransportSocketSchema, { name: Filter.tlsTransportSocket, configType: { case: 'typedConfig', value: typed(UpstreamTlsContextSchema, ctx) } });
}

/**
 * A copy of a proxyless cluster that dials its endpoints over mTLS and accepts any workload of the mesh's
 * trust domain (read from the cluster's SNI name, `...internal.<trust domain>`). Not the exact service: a
 * cluster's endpoints may be another service's (failover); who may call whom is the server's RBAC.
 */
export function withProxylessTls(cluster: Cluster): Cluster {
  const i = cluster.name.indexOf('.internal.');
  const trustDomain = i > 0 ? cluster.name.slice(i + '.internal.'.length) : '';
  return create(ClusterSchema, { ...cluster, transportSocket: proxylessUpstreamTls(PROXYLESS_CERT_PROVIDER, trustDomain ? `spiffe://${trustDomain}/` : 'spiffe://') });
}

/** Whether a node opted in to mTLS: node metadata `RXDS_MTLS` or `rxds_mtls` is `true` or `"true"`. */
export function wantsProxylessMtls(node: Pick<Node, 'metadata'> | undefined): boolean {
  const md = node?.metadata;
  if (!md) return false;
  const v = md[PROXYLESS_MTLS_METADATA] ?? md['rxds_mtls'];
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}
