import * as grpc from '@grpc/grpc-js';
import { UsageError } from '../cli/address.js';
import { readCertificateFile, readKeyPair } from '../cli/pem-files.js';

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
  const { cert, key } = readKeyPair(files.cert, files.key, `${prefix}-cert`, `${prefix}-key`);
  if (!files.ca) return { cert, key };
  return { cert, key, ca: readCertificateFile(files.ca, `${prefix}-ca`) };
}

/** Server credentials for the xDS listener: TLS, and mTLS (client certificates required) with a CA. */
export function grpcServerCredentials(tls: TlsMaterial | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined);
}
