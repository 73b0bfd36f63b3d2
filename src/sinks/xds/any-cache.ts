import { create } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import {
  ResourceSchema as DeltaResourceSchema,
  type Resource as DeltaResource,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Resource } from '../../core/resource.js';
import { Writer } from './response-encoding.js';

/**
 * Wraps shared resources for the wire. A resource arrives already encoded (`Resource.body`); its
 * `Any` (and its Delta `Resource` envelope) is built once and reused by every stream that sends it,
 * so N streams cost one allocation, not N; so are their wire bytes (see response-encoding). Keys
 * are the immutable Resource objects themselves: an entry lives exactly as long as some snapshot
 * still holds the resource. The messages handed out are shared: never mutate them.
 */
export interface Framer {
  any(resource: Resource): Any;
  deltaResource(resource: Resource): DeltaResource;
  /** The encoding of an Any this framer built (undefined for any other). */
  anyBytes(any: Any): Uint8Array | undefined;
  /** The encoding of a Delta Resource envelope this framer built (undefined for any other). */
  deltaResourceBytes(resource: DeltaResource): Uint8Array | undefined;
}

export function createFramer(): Framer {
  const anys = new WeakMap<Resource, Any>();
  const deltas = new WeakMap<Resource, DeltaResource>();
  const origin = new WeakMap<object, Resource>();
  const anyEncodings = new WeakMap<Resource, Uint8Array>();
  const deltaEncodings = new WeakMap<Resource, Uint8Array>();

  const any = (r: Resource): Any => {
    let a = anys.get(r);
    if (!a) {
      // The type URL of every Any is the resource's own: a response never mixes types (see the diff).
      a = create(AnySchema, { typeUrl: r.typeUrl, value: r.body });
      anys.set(r, a);
      origin.set(a, r);
    }
    return a;
  };
  const anyEncoding = (r: Resource): Uint8Array => {
    let b = anyEncodings.get(r);
    if (!b) {
      const w = new Writer();
      w.string(1, r.typeUrl);
      if (r.body.length > 0) w.bytes(2, r.body);
      anyEncodings.set(r, (b = w.finish()));
    }
    return b;
  };
  return {
    any,
    deltaResource(r) {
      let d = deltas.get(r);
      if (!d) {
        d = create(DeltaResourceSchema, { name: r.name, version: r.version, resource: any(r) });
        deltas.set(r, d);
        origin.set(d, r);
      }
      return d;
    },
    anyBytes(a) {
      const r = origin.get(a);
      return r && anys.get(r) === a ? anyEncoding(r) : undefined;
    },
    deltaResourceBytes(d) {
      const r = origin.get(d);
      if (!r || deltas.get(r) !== d) return undefined;
      let b = deltaEncodings.get(r);
      if (!b) {
        const w = new Writer();
        w.string(1, r.version);
        w.bytes(2, anyEncoding(r));
        w.string(3, r.name);
        deltaEncodings.set(r, (b = w.finish()));
      }
      return b;
    },
  };
}
