import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './address.js';

// PEM files named on the command line (--grpc-tls-*, --http-tls-*, --etcd-*-file), read and checked at
// start: every problem is a UsageError (exit 2) naming the flag and the file.

/** The bytes of the file `flag` names. */
export function readPemFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(resolve(path));
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${resolve(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** A certificate file: its bytes, checked to hold a PEM certificate. */
export function readCertificateFile(path: string, flag: string): Buffer {
  const pem = readPemFile(path, flag);
  certificateOf(pem, path, flag);
  return pem;
}

/** A certificate and the private key that goes with it (unencrypted PEM), checked to match. */
export function readKeyPair(certPath: string, keyPath: string, certFlag: string, keyFlag: string): { cert: Buffer; key: Buffer } {
  const cert = readPemFile(certPath, certFlag);
  const key = readPemFile(keyPath, keyFlag);
  const x509 = certificateOf(cert, certPath, certFlag);
  let keyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch {
    throw new UsageError(`${keyFlag}: ${resolve(keyPath)} is not a PEM private key (unencrypted)`);
  }
  if (!x509.checkPrivateKey(keyObject)) throw new UsageError(`${keyFlag}: ${resolve(keyPath)} is not the private key of ${resolve(certPath)}`);
  return { cert, key };
}

function certificateOf(pem: Buffer, path: string, flag: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new UsageError(`${flag}: ${resolve(path)} is not a PEM certificate`);
  }
}
