import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ResourceEncoder } from '../../src/core/resource.js';
import { encodeSnapshot } from '../../src/core/snapshot.js';
import { TypeUrl } from '../../src/core/type-urls.js';

test('equal content gets an equal version and shares one encoding per object', () => {
  const enc = new ResourceEncoder();
  const a = create(ClusterSchema, { name: 'backend', connectTimeout: { seconds: 5n } });
  const b = create(ClusterSchema, { name: 'backend', connectTimeout: { seconds: 5n } });
  const ra = enc.encode(a);
  assert.equal(enc.encode(a), ra, 'same object encodes once');
  assert.equal(enc.encodings, 1);
  const rb = enc.encode(b);
  assert.equal(rb, ra, 'equal content resolves to the same shared resource');
  assert.equal(ra.typeUrl, TypeUrl.Cluster);
  assert.equal(ra.name, 'backend');
});

test('changed content gets a different version', () => {
  const enc = new ResourceEncoder();
  const v1 = enc.encode(create(ClusterSchema, { name: 'backend', connectTimeout: { seconds: 5n } })).version;
  const v2 = enc.encode(create(ClusterSchema, { name: 'backend', connectTimeout: { seconds: 6n } })).version;
  assert.notEqual(v1, v2);
});

test('a snapshot indexes resources by type and name and rejects duplicates', () => {
  const enc = new ResourceEncoder();
  const cla = create(ClusterLoadAssignmentSchema, { clusterName: 'backend' });
  const snap = encodeSnapshot(enc, [create(ClusterSchema, { name: 'backend' }), cla]);
  assert.equal(snap.get(TypeUrl.ClusterLoadAssignment)?.get('backend')?.name, 'backend');
  assert.throws(() => encodeSnapshot(enc, [cla, create(ClusterLoadAssignmentSchema, { clusterName: 'backend' })]), /duplicate/);
});
