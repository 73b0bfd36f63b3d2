import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { UsageError } from '../cli/address.js';

/** The TLS files of one listener, as given on the command line. */
export interface TlsFiles {
  readonly cert?: string;
  readonly key?: string;
  /** gRPC only: with it, clients must present a certificate signed by this CA (mTLS). */
  readonly ca?: string;
}

/** PEM bytes, checked: a certificate chain and the private key that matches its first certificate. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

async function readPem(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function certificate(pem: Buffer, path: string, flag: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new UsageError(`${flag}: ${path} is not a PEM certificate`);
  }
}

function privateKey(pem: Buffer, path: string, flag: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new UsageError(`${flag}: ${path} is not a PEM private key (unencrypted)`);
  }
}

/**
 * Reads and checks a listener's TLS files (`prefix` is `--grpc-tls` or `--http-tls`): both or neither of
 * cert and key; the key must match the certificate; a CA file must hold a certificate. Undefined when no
 * file is given (plain text). Every problem is a UsageError (exit 2) naming the flag and the file.
 */
export async function loadTlsMaterial(files: TlsFiles, prefix: string): Promise<TlsMaterial | undefined> {
  if (!files.cert && !files.key) {
    if (files.ca) throw new UsageError(`${prefix}-ca needs ${prefix}-cert and ${prefix}-key`);
    return undefined;
  }
  if (!files.cert || !files.key) throw new UsageError(`${prefix}-cert and ${prefix}-key go together (got only ${files.cert ? `${prefix}-cert` : `${prefix}-key`})`);
  const cert = await readPem(files.cert, `${prefix}-cert`);
  const key = await readPem(files.key, `${prefix}-key`);
  const x509 = certificate(cert, files.cert, `${prefix}-cert`);
  const keyObject = privateKey(key, files.key, `${prefix}-key`);
  if (!x509.checkPrivateKey(keyObject)) throw new UsageError(`${prefix}-key: ${files.key} is not the private key of ${files.cert}`);
  if (!files.ca) return { cert, key };
  const ca = await readPem(files.ca, `${prefix}-ca`);
  certificate(ca, files.ca, `${prefix}-ca`);
  return { cert, key, ca };
}

/** Server credentials for the xDS listener: TLS, and mTLS (client certificates required) with a CA. */
export function grpcServerCredentials(tls: TlsMaterial | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined);
}
