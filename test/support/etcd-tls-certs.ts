// Test certificates for etcd over TLS, made with @peculiar/x509 (ECDSA P-256): a CA, a server certificate
// for 127.0.0.1, a client certificate it signed, and a client certificate from another CA.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;

/** PEM files written into a directory (paths), and their bytes. */
export interface TlsFileSet {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A client certificate and key signed by another CA (etcd must refuse it). */
  readonly otherCertFile: string;
  readonly otherKeyFile: string;
  /** The other CA's certificate (a client trusting only it must refuse etcd's server certificate). */
  readonly otherCaFile: string;
}

interface Issued {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

const serial = () => randomBytes(8).toString('hex').replace(/^./, '1');
const validity = () => ({ notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 24 * 3600_000) });

async function keyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function createCa(name: string): Promise<Issued> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: `CN=${name}`,
      ...validity(),
      keys,
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert, keys };
}

async function issue(ca: Issued, name: string, usage: 'server' | 'client'): Promise<Issued> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    // etcd's server certificate is also used for its own internal client connections (grpc-gateway).
    new x509.ExtendedKeyUsageExtension(usage === 'server' ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.clientAuth]),
  ];
  if (usage === 'server') {
    extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]));
  }
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: `CN=${name}`,
      issuer: ca.cert.subject,
      ...validity(),
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: EC_P256,
      extensions,
    },
    crypto,
  );
  return { cert, keys };
}

async function write(dir: string, name: string, issued: Issued): Promise<[string, string]> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(certFile, issued.cert.toString('pem') + '\n');
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', issued.keys.privateKey);
  writeFileSync(keyFile, x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n', { mode: 0o600 });
  return [certFile, keyFile];
}

/** Makes the certificates and writes them as PEM files into `dir`. */
export async function writeEtcdTlsFiles(dir: string): Promise<TlsFileSet> {
  x509.cryptoProvider.set(crypto);
  const ca = await createCa('rxds test etcd CA');
  const other = await createCa('some other CA');
  const [caFile] = await write(dir, 'ca', ca);
  const [otherCaFile] = await write(dir, 'other-ca', other);
  const [serverCertFile, serverKeyFile] = await write(dir, 'server', await issue(ca, '127.0.0.1', 'server'));
  const [clientCertFile, clientKeyFile] = await write(dir, 'client', await issue(ca, 'rxds', 'client'));
  const [otherCertFile, otherKeyFile] = await write(dir, 'other-client', await issue(other, 'rxds', 'client'));
  return { caFile, serverCertFile, serverKeyFile, clientCertFile, clientKeyFile, otherCertFile, otherKeyFile, otherCaFile };
}
