import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type {
  DeltaDiscoveryResponse,
  DiscoveryResponse,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { RESOURCE_KINDS, type Resource, type ResourceMessage } from '../../src/core/resource.js';
import { ALL_TYPE_URLS, SHORT_TYPE_NAME, isKnownTypeUrl } from '../../src/core/type-urls.js';

/** One resource as a client sees it in a response: name, bytes, and (Delta) its version. */
export interface ReceivedResource {
  readonly name: string;
  readonly version: string | undefined;
  readonly body: Uint8Array;
}

/** Short label of a type URL for messages: CDS, EDS, ... */
export function short(typeUrl: string): string {
  return isKnownTypeUrl(typeUrl) ? SHORT_TYPE_NAME[typeUrl] : typeUrl;
}

/**
 * Every resource type rxds serves keeps its name in field 1 (Cluster.name, ClusterLoadAssignment.cluster_name,
 * Listener.name, RouteConfiguration.name, Secret.name; checked below against the schemas), so a name is read
 * from the wire without decoding the whole, possibly large, resource.
 */
const NAME_FIELD = 1;
for (const t of ALL_TYPE_URLS) {
  const f = RESOURCE_KINDS[t].schema.fields.find((x) => x.number === NAME_FIELD);
  if (!f || !/^(name|cluster_name)$/.test(f.name)) throw new Error(`${t}: field ${NAME_FIELD} is not its name`);
}

function nameOf(typeUrl: string, body: Uint8Array): string {
  if (!isKnownTypeUrl(typeUrl)) return '?';
  const reader = new BinaryReader(body);
  let name = '';
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (no === NAME_FIELD && wireType === WireType.LengthDelimited) name = reader.string();
    else reader.skip(wireType, no);
  }
  return name;
}

/** The resources of a SotW response, decoded to learn their names, in response order. */
export function sotwResources(resp: DiscoveryResponse): ReceivedResource[] {
  return resp.resources.map((any) => ({ name: nameOf(any.typeUrl, any.value), version: undefined, body: any.value }));
}

/** The resources of a Delta response, in response order. */
export function deltaResources(resp: DeltaDiscoveryResponse): ReceivedResource[] {
  return resp.resources.map((r) => ({ name: r.name, version: r.version, body: r.resource?.value ?? new Uint8Array() }));
}

/** Names of the resources in a response, sorted. */
export function namesIn(resp: DiscoveryResponse | DeltaDiscoveryResponse): string[] {
  const list = resp.$typeName === 'envoy.service.discovery.v3.DiscoveryResponse' ? sotwResources(resp) : deltaResources(resp);
  return list.map((r) => r.name).sort();
}

/** True when the response carries `resource` byte for byte (and, for Delta, with its version). */
export function carries(resp: DiscoveryResponse | DeltaDiscoveryResponse, resource: Resource): boolean {
  if (resp.typeUrl !== resource.typeUrl) return false;
  const list = resp.$typeName === 'envoy.service.discovery.v3.DiscoveryResponse' ? sotwResources(resp) : deltaResources(resp);
  return list.some(
    (r) =>
      r.name === resource.name &&
      Buffer.from(r.body).equals(Buffer.from(resource.body)) &&
      (r.version === undefined || r.version === resource.version),
  );
}

/** Decodes one resource of a response into its message (for assertions on fields). */
export function decode<T extends ResourceMessage>(typeUrl: string, received: ReceivedResource): T {
  if (!isKnownTypeUrl(typeUrl)) throw new Error(`cannot decode ${typeUrl}`);
  return fromBinary(RESOURCE_KINDS[typeUrl].schema, received.body) as T;
}

/** A one-line description of a response for failure messages. */
export function describe(resp: DiscoveryResponse | DeltaDiscoveryResponse): string {
  if (resp.$typeName === 'envoy.service.discovery.v3.DiscoveryResponse') {
    return `SotW ${short(resp.typeUrl)} response version=${resp.versionInfo} nonce=${resp.nonce} [${namesIn(resp).join(', ')}]`;
  }
  return (
    `Delta ${short(resp.typeUrl)} response nonce=${resp.nonce} [${namesIn(resp).join(', ')}]` +
    (resp.removedResources.length ? ` removed [${[...resp.removedResources].sort().join(', ')}]` : '')
  );
}

/**
 * Invariants every SotW response must keep, whatever the test: a fresh non-empty nonce, a version, each
 * `Any` of the response's type, no name twice. Returns a problem description, or undefined.
 */
export function sotwProblem(resp: DiscoveryResponse, seenNonces: Set<string>): string | undefined {
  if (!resp.nonce) return 'response without a nonce';
  if (seenNonces.has(resp.nonce)) return `nonce ${resp.nonce} reused on the stream`;
  if (!resp.typeUrl) return 'response without a type URL';
  if (!resp.versionInfo) return 'response without version_info';
  const names = new Set<string>();
  for (const any of resp.resources) {
    if (any.typeUrl !== resp.typeUrl) return `an Any of type ${any.typeUrl} in a ${resp.typeUrl} response`;
    const name = nameOf(any.typeUrl, any.value);
    if (names.has(name)) return `resource ${name} twice in one response`;
    names.add(name);
  }
  return undefined;
}

/** Invariants of every Delta response: fresh nonce, named and versioned resources of the response's type. */
export function deltaProblem(resp: DeltaDiscoveryResponse, seenNonces: Set<string>): string | undefined {
  if (!resp.nonce) return 'response without a nonce';
  if (seenNonces.has(resp.nonce)) return `nonce ${resp.nonce} reused on the stream`;
  if (!resp.typeUrl) return 'response without a type URL';
  const names = new Set<string>();
  for (const r of resp.resources) {
    if (!r.name) return 'a resource without a name';
    if (!r.version) return `resource ${r.name} without a version`;
    if (!r.resource) return `resource ${r.name} without a body`;
    if (r.resource.typeUrl !== resp.typeUrl) return `an Any of type ${r.resource.typeUrl} in a ${resp.typeUrl} response`;
    if (nameOf(r.resource.typeUrl, r.resource.value) !== r.name) return `resource named ${r.name} carries another name`;
    if (names.has(r.name)) return `resource ${r.name} twice in one response`;
    names.add(r.name);
  }
  const removed = new Set<string>();
  for (const n of resp.removedResources) {
    if (names.has(n)) return `${n} both updated and removed in one response`;
    if (removed.has(n)) return `${n} removed twice in one response`;
    removed.add(n);
  }
  return undefined;
}
