import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { BehaviorSubject } from 'rxjs';
import { ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  DiscoveryRequestSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { ResourceEncoder } from '../../../src/core/resource.js';
import { encodeSnapshot } from '../../../src/core/snapshot.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { createXdsServer } from '../../../src/sinks/xds/xds-server.js';
import { node, openStream } from './harness.js';

test('SotW ADS over real gRPC: CDS response, ACK recorded, update pushed', async () => {
  const enc = new ResourceEncoder();
  const snap$ = new BehaviorSubject(encodeSnapshot(enc, [create(ClusterSchema, { name: 'a' })]));
  const xds = createXdsServer({ snapshots: () => snap$ });
  const port = await xds.listen('127.0.0.1:0');
  const { stream } = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources');
  try {
    stream.send(create(DiscoveryRequestSchema, { node: node(), typeUrl: TypeUrl.Cluster }));
    const r1 = await stream.next();
    assert.equal(r1.typeUrl, TypeUrl.Cluster);
    assert.equal(r1.resources.length, 1);
    stream.send(create(DiscoveryRequestSchema, { typeUrl: TypeUrl.Cluster, versionInfo: r1.versionInfo, responseNonce: r1.nonce }));
    snap$.next(encodeSnapshot(enc, [create(ClusterSchema, { name: 'a' }), create(ClusterSchema, { name: 'b' })]));
    const r2 = await stream.next();
    assert.equal(r2.resources.length, 2);
    assert.notEqual(r2.nonce, r1.nonce);
  } finally {
    stream.close();
    await xds.close();
  }
});
