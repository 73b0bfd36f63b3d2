import { EtcdAuthenticationFailedError, EtcdPermissionDeniedError } from 'etcd3';
import { connect as tlsConnect } from 'node:tls';
import type { EtcdTlsOptions } from './etcd-client.js';

// What went wrong reaching etcd, in terms a user can act on (a refused certificate, an untrusted server,
// a wrong password, missing permissions), told apart from "unreachable" (which waiting may mend).

/** Why etcd could not be used: the kinds a user can act on, and `unreachable` for everything else. */
export type EtcdFailure = 'auth-failed' | 'permission-denied' | 'client-cert-refused' | 'server-cert-untrusted' | 'tls' | 'unreachable';

export function classifyEtcdError(err: unknown): EtcdFailure {
  if (err instanceof EtcdAuthenticationFailedError) return 'auth-failed';
  if (err instanceof EtcdPermissionDeniedError) return 'permission-denied';
  const message = err instanceof Error ? err.message : String(err);
  // gRPC reports a failed handshake as UNAVAILABLE with OpenSSL's / Node's words in the message.
  if (/alert bad certificate|alert certificate required|alert unknown ca|SSL alert number 4[2-8]|certificate required/i.test(message)) return 'client-cert-refused';
  if (/unable to verify|self[- ]signed certificate|certificate has expired|certificate is not yet valid|Hostname\/IP does not match|unable to get (local )?issuer/i.test(message)) {
    return 'server-cert-untrusted';
  }
  if (/SSL routines|wrong version number|handshake|packet length too long/i.test(message)) return 'tls';
  return 'unreachable';
}

/**
 * One TLS handshake with an https:// endpoint, as the etcd client would make it: resolves with the error
 * if it fails (etcd refused the client certificate, or its server certificate is not trusted), undefined
 * if etcd accepted the connection (its HTTP/2 preface arrived) or nothing was learned within `ms`. gRPC
 * does not always say why a connection failed (e.g. "Last error: null"); this does.
 */
export function probeEtcdTls(endpoint: string, tls: EtcdTlsOptions | undefined, ms = 2000): Promise<Error | undefined> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return Promise.resolve(undefined);
  }
  if (url.protocol !== 'https:') return Promise.resolve(undefined);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port: Number(url.port || 2379),
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
      ALPNProtocols: ['h2'],
      ...(tls?.ca ? { ca: tls.ca } : {}),
      ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    });
    const done = (result: Error | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(undefined), ms);
    socket.once('data', () => done(undefined));
    socket.once('error', (err) => done(err));
  });
}

/** Failures that waiting does not mend: opening the store gives up at once on these. */
export function isPermanentEtcdFailure(err: unknown): boolean {
  const kind = classifyEtcdError(err);
  return kind !== 'unreachable' && kind !== 'tls';
}

/**
 * What went wrong talking to etcd at `where`, in words a user can act on: a refused TLS handshake (which
 * side refused), a wrong username/password, missing permissions, or else unreachable. Never contains
 * the password or key material (etcd3's and gRPC's messages do not carry them).
 */
export function describeEtcdError(err: unknown, where: string, username?: string): string {
  const message = err instanceof Error ? err.message : String(err);
  switch (classifyEtcdError(err)) {
    case 'auth-failed':
      return `etcd at ${where} refused the authentication of user ${JSON.stringify(username ?? '')}: wrong username or password (${message})`;
    case 'permission-denied':
      return username
        ? `etcd at ${where} denied user ${JSON.stringify(username)} access to the rxds keys: grant its role read/write on the prefix (${message})`
        : `etcd at ${where} denied access: authentication is enabled there; give --etcd-username and RXDS_ETCD_PASSWORD (${message})`;
    case 'client-cert-refused':
      return `cannot reach etcd at ${where}: TLS handshake failed: etcd refused the client certificate (none given, or not signed by a CA etcd trusts; see --etcd-cert-file/--etcd-key-file) (${message})`;
    case 'server-cert-untrusted':
      return `cannot reach etcd at ${where}: TLS handshake failed: etcd's server certificate is not trusted (see --etcd-ca-file) (${message})`;
    case 'tls':
      return `cannot reach etcd at ${where}: TLS handshake failed (is the endpoint's scheme, http:// or https://, the one etcd serves?) (${message})`;
    case 'unreachable':
      return `cannot reach etcd at ${where}: ${message}`;
  }
}
