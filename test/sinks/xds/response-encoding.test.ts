import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
} from '../../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { createFramer } from '../../../src/sinks/xds/any-cache.js';
import { createResponseSerializers } from '../../../src/sinks/xds/response-encoding.js';
import { CDS, EDS, cluster, endpoints } from './marble-support.js';

test('SotW and Delta responses from shared encodings are byte-identical to protobuf-es', () => {
  const framer = createFramer();
  const enc = createResponseSerializers(framer);
  const rs = [cluster('a'), cluster('b', 1), cluster('ü-ñ', 2)];
  const sotw = create(DiscoveryResponseSchema, { versionInfo: 'v1', typeUrl: CDS, nonce: '7', resources: rs.map((r) => framer.any(r)) });
  assert.deepEqual(new Uint8Array(enc.sotw(sotw)), toBinary(DiscoveryResponseSchema, sotw));
  const delta = create(DeltaDiscoveryResponseSchema, {
    systemVersionInfo: 's1',
    typeUrl: EDS,
    nonce: '8',
    resources: [endpoints('a'), endpoints('b', 3)].map((r) => framer.deltaResource(r)),
    removedResources: ['gone', ''],
  });
  assert.deepEqual(new Uint8Array(enc.delta(delta)), toBinary(DeltaDiscoveryResponseSchema, delta));
  const empty = create(DeltaDiscoveryResponseSchema, { typeUrl: EDS, nonce: '9' });
  assert.deepEqual(new Uint8Array(enc.delta(empty)), toBinary(DeltaDiscoveryResponseSchema, empty));
});

test('a resource the framer did not build is still encoded correctly (protobuf-es fallback)', () => {
  const framer = createFramer();
  const enc = createResponseSerializers(framer);
  const foreign = create(AnySchema, { typeUrl: CDS, value: cluster('x').body });
  const m = create(DiscoveryResponseSchema, { versionInfo: 'v', typeUrl: CDS, nonce: '1', resources: [framer.any(cluster('a')), foreign] });
  assert.deepEqual(new Uint8Array(enc.sotw(m)), toBinary(DiscoveryResponseSchema, m));
});
