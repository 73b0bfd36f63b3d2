import { createHash } from 'node:crypto';
import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { ClusterSchema, type Cluster } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema, type Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../gen/envoy/config/route/v3/route_pb.js';
import { SecretSchema, type Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { TypeUrl } from './type-urls.js';

/**
 * One xDS resource, encoded once. `body` is the deterministic binary encoding of the message (the
 * `value` of its `Any`), `version` a hash of that encoding: equal content has an equal version on every
 * replica and across restarts, changed content a different one. Instances are immutable and shared by
 * every stream that sends them.
 */
export interface Resource {
  readonly typeUrl: TypeUrl;
  readonly name: string;
  readonly version: string;
  readonly body: Uint8Array;
  /** The message itself, for config dumps and validation. Never mutate it. */
  readonly message: MessageShape<DescMessage>;
}

export type ResourceMessage = Cluster | ClusterLoadAssignment | Listener | RouteConfiguration | Secret;

interface Kind<T> {
  readonly schema: DescMessage;
  readonly name: (message: T) => string;
}

export const RESOURCE_KINDS: { readonly [K in TypeUrl]: Kind<never> } = {
  [TypeUrl.Cluster]: { schema: ClusterSchema, name: (m: Cluster) => m.name } as Kind<never>,
  [TypeUrl.ClusterLoadAssignment]: {
    schema: ClusterLoadAssignmentSchema,
    name: (m: ClusterLoadAssignment) => m.clusterName,
  } as Kind<never>,
  [TypeUrl.Listener]: { schema: ListenerSchema, name: (m: Listener) => m.name } as Kind<never>,
  [TypeUrl.RouteConfiguration]: { schema: RouteConfigurationSchema, name: (m: RouteConfiguration) => m.name } as Kind<never>,
  [TypeUrl.Secret]: { schema: SecretSchema, name: (m: Secret) => m.name } as Kind<never>,
};

/** The type URL of a generated message, from its schema. */
export function typeUrlOf(message: ResourceMessage): TypeUrl {
  const typeName = message.$typeName;
  const url = `type.googleapis.com/${typeName}`;
  for (const t of Object.values(TypeUrl)) if (t === url) return t;
  throw new Error(`not an xDS resource type rxds serves: ${typeName}`);
}

/** Content hash used as a resource version: 16 bytes of SHA-256, base64url (22 characters). */
export function contentVersion(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest().subarray(0, 16).toString('base64url');
}

/**
 * Encodes messages into shared {@link Resource}s. The same message object is encoded once (identity
 * cache), and equal content from different objects resolves to one Resource (content cache), so every
 * stream writes the same bytes. The content cache holds weak references: resources no snapshot uses
 * any more are collected.
 */
export class ResourceEncoder {
  private readonly byObject = new WeakMap<object, Resource>();
  private readonly byContent = new Map<string, WeakRef<Resource>>();
  private readonly registry = new FinalizationRegistry<string>((key) => {
    const ref = this.byContent.get(key);
    if (ref && ref.deref() === undefined) this.byContent.delete(key);
  });
  /** Number of actual encodings performed; exposed for tests and benchmarks of sharing. */
  encodings = 0;

  encode(message: ResourceMessage): Resource {
    const cached = this.byObject.get(message);
    if (cached) return cached;
    const typeUrl = typeUrlOf(message);
    const kind = RESOURCE_KINDS[typeUrl];
    const body = toBinary(kind.schema, message as never);
    this.encodings++;
    const version = contentVersion(body);
    const name = kind.name(message as never);
    const key = `${typeUrl}\u0000${name}\u0000${version}`;
    const existing = this.byContent.get(key)?.deref();
    const resource: Resource = existing ?? Object.freeze({ typeUrl, name, version, body, message });
    if (!existing) {
      this.byContent.set(key, new WeakRef(resource));
      this.registry.register(resource, key);
    }
    this.byObject.set(message, resource);
    return resource;
  }
}
