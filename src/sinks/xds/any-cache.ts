import { create } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import {
  ResourceSchema as DeltaResourceSchema,
  type Resource as DeltaResource,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Resource } from '../../core/resource.js';

/**
 * Wraps shared resources for the wire. A resource arrives already encoded (`Resource.body`); its
 * `Any` (and its Delta `Resource` envelope) is built once and reused by every stream that sends it,
 * so N streams cost one allocation, not N. Keys are the immutable Resource objects themselves: an
 * entry lives exactly as long as some snapshot still holds the resource.
 */
export interface Framer {
  any(resource: Resource): Any;
  deltaResource(resource: Resource): DeltaResource;
}

export function createFramer(): Framer {
  const anys = new WeakMap<Resource, Any>();
  const deltas = new WeakMap<Resource, DeltaResource>();
  const any = (r: Resource): Any => {
    let a = anys.get(r);
    if (!a) {
      // The type URL of every Any is the resource's own: a response never mixes types (see the diff).
      a = create(AnySchema, { typeUrl: r.typeUrl, value: r.body });
      anys.set(r, a);
    }
    return a;
  };
  return {
    any,
    deltaResource(r) {
      let d = deltas.get(r);
      if (!d) {
        d = create(DeltaResourceSchema, { name: r.name, version: r.version, resource: any(r) });
        deltas.set(r, d);
      }
      return d;
    },
  };
}
