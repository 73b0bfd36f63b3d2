import { distinctUntilChanged, isObservable, of, shareReplay, type Observable } from 'rxjs';

/**
 * The mesh's SPIFFE trust domain: a fixed value for embedders, or an Observable that follows the CA (the
 * daemon maps `ca.roots$` to its trust domain: replicas on one store follow the CA state another replica
 * rotated to a new trust domain). It is embedded in every compiled discovery chain: cluster names (Consul's
 * SNI form `...internal.<trust domain>`), the SNI and SAN a sidecar's upstream cluster sends and expects,
 * and the SAN prefix of a proxyless client's mTLS clusters.
 */
export type TrustDomain = string | Observable<string>;

/**
 * The trust domain as a stream the upstream inputs share: equal values are dropped, the latest is replayed
 * to late subscribers, and the source is subscribed once while anything listens.
 */
export function trustDomain$(value: TrustDomain): Observable<string> {
  if (!isObservable(value)) return of(value);
  return value.pipe(distinctUntilChanged(), shareReplay({ bufferSize: 1, refCount: true }));
}
