// @peculiar/x509 needs a Reflect metadata polyfill (its tsyringe dependency throws at import without
// one); ESM evaluates imports in order, so this one runs first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';

type Crypto = webcrypto.Crypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import type { CaRootRecord, CertIssuer, Leaf, LeafRequest, RootRequest } from './ca-types.js';
import { spiffeTrustDomainUri } from './spiffe-id.js';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface X509IssuerOptions {
  /** WebCrypto implementation; default Node's `crypto.webcrypto`. */
  readonly crypto?: Crypto;
}

/**
 * Real certificates with @peculiar/x509 on WebCrypto: ECDSA P-256 keys, SHA-256 signatures.
 * Roots are self-signed CAs (basicConstraints CA, critical; keyCertSign|cRLSign) with the trust
 * domain's SPIFFE ID as URI SAN. Leaves carry the service's SPIFFE ID as their only SAN (critical, as
 * the subject's CN is not an identity), are not CAs, and may be used for both TLS server and client
 * authentication. X.509 counts whole seconds: validity bounds are rounded down to the second.
 */
export function createX509Issuer(options: X509IssuerOptions = {}): CertIssuer {
  const crypto = options.crypto ?? webcrypto;
  // The library's default provider, for its internal calls that take no provider argument; every call
  // here passes `crypto` explicitly as well.
  x509.cryptoProvider.set(crypto);
  const signingKeys = new Map<string, Promise<CryptoKey>>();

  function signingKey(root: CaRootRecord): Promise<CryptoKey> {
    const key = `${root.id}\u0000${root.privateKeyPem}`;
    const cached = signingKeys.get(key);
    if (cached) return cached;
    const k = crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(root.privateKeyPem), EC_P256, false, ['sign']);
    k.catch(() => signingKeys.delete(key));
    signingKeys.set(key, k);
    return k;
  }

  return {
    async createRoot(request: RootRequest): Promise<CaRootRecord> {
      const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
      const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto);
      const id = colonHex(ski.keyId);
      const notBefore = floorToSecond(request.now);
      const cert = await x509.X509CertificateGenerator.createSelfSigned(
        {
          serialNumber: serialHex(),
          name: `O=rxds, CN=rxds CA ${ski.keyId.slice(0, 16)}`,
          notBefore: new Date(notBefore),
          notAfter: new Date(floorToSecond(request.now + request.ttlMs)),
          keys,
          signingAlgorithm: EC_P256,
          extensions: [
            new x509.BasicConstraintsExtension(true, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
            ski,
            new x509.AuthorityKeyIdentifierExtension(ski.keyId),
            new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeTrustDomainUri(request.trustDomain) }]),
          ],
        },
        crypto,
      );
      return {
        id,
        certPem: cert.toString('pem') + '\n',
        privateKeyPem: await exportPrivateKey(crypto, keys.privateKey),
        createdAt: request.now,
        notBefore: cert.notBefore.getTime(),
        notAfter: cert.notAfter.getTime(),
      };
    },

    async issueLeaf(request: LeafRequest): Promise<Leaf> {
      const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
      const rootCert = new x509.X509Certificate(request.root.certPem);
      const serial = serialHex();
      const cert = await x509.X509CertificateGenerator.create(
        {
          serialNumber: serial,
          subject: `CN=${request.service}`,
          issuer: rootCert.subject,
          notBefore: new Date(floorToSecond(request.validAfter)),
          notAfter: new Date(floorToSecond(request.validBefore)),
          publicKey: keys.publicKey,
          signingKey: await signingKey(request.root),
          signingAlgorithm: EC_P256,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(
              x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement,
              true,
            ),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
            new x509.AuthorityKeyIdentifierExtension(request.root.id.replaceAll(':', '')),
            new x509.SubjectAlternativeNameExtension([{ type: 'url', value: request.serviceUri }], true),
          ],
        },
        crypto,
      );
      return {
        service: request.service,
        serviceUri: request.serviceUri,
        serialNumber: colonHex(serial),
        certPem: cert.toString('pem') + '\n',
        privateKeyPem: await exportPrivateKey(crypto, keys.privateKey),
        validAfter: cert.notBefore.getTime(),
        validBefore: cert.notAfter.getTime(),
        rootId: request.root.id,
      };
    },
  };
}

async function exportPrivateKey(crypto: Crypto, key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY') + '\n';
}

/** 128 random bits as a positive, non-zero-led DER INTEGER (hex). */
function serialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function colonHex(hex: string): string {
  return (hex.toLowerCase().match(/../g) ?? []).join(':');
}

function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
