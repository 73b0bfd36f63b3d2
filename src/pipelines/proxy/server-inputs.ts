import { freeze } from 'immer';
import { combineLatest, distinctUntilChanged, map, of, switchMap, type Observable } from 'rxjs';
import type { Catalog } from '../../sources/catalog/catalog.js';
import type { ServiceIntentionsEntry } from '../../sources/config-entries/service-intentions.js';
import { serverListenerAddress, type ServerInput } from '../generate/proxyless-server.js';

/**
 * The input of a proxyless gRPC server's listener `name` as it changes: the service with an instance
 * registered at the listener's address and port (an instance without an Address is at `nodeAddress`;
 * connect proxies are not servers), and that service's intentions and the wildcard ones. Undefined for a
 * name that is not a server listener name.
 */
export function serverInput$(catalog: Catalog, name: string, nodeAddress = '127.0.0.1'): Observable<ServerInput> | undefined {
  const at = serverListenerAddress(name);
  if (!at) return undefined;
  // Only the records at the listener's port are looked at (a write elsewhere costs a lookup, not a scan).
  const service$ = catalog.servicesAtPort$(at.port).pipe(
    map((slice) => {
      const matches = slice.value.filter((s) => s.Kind !== 'connect-proxy' && (s.Address || nodeAddress) === at.address && s.Port === at.port).map((s) => s.Service);
      return [...new Set(matches)].sort()[0];
    }),
    distinctUntilChanged(),
  );
  return service$.pipe(
    switchMap((service) =>
      service === undefined
        ? of(freeze<ServerInput>({ ...at, service: undefined, intentions: [] }))
        : combineLatest([catalog.configEntry$('service-intentions', service), catalog.configEntry$('service-intentions', '*')]).pipe(
            map(([own, wildcard]) =>
              freeze<ServerInput>({
                ...at,
                service,
                intentions: [own.value, wildcard.value].filter((e) => e !== undefined).map((e) => e.Entry as unknown as ServiceIntentionsEntry),
              }),
            ),
          ),
    ),
  );
}
