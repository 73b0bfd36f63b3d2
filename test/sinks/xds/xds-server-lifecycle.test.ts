// The server around the stream machines, over real gRPC on 127.0.0.1: stream lifecycle and
// teardown, events, limits, Fetch and health. (The protocol rules are in test/xds and test/marbles.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { BehaviorSubject, Observable, ReplaySubject, filter, firstValueFrom, throwError, toArray } from 'rxjs';
import { ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterDiscoveryService } from '../../../src/gen/envoy/service/cluster/v3/cds_pb.js';
import {
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus, type HealthCheckResponse } from '../../../src/gen/grpc/health/v1/health_pb.js';
import { grpcServiceDefinition } from '../../../src/core/grpc-service.js';
import { ResourceEncoder } from '../../../src/core/resource.js';
import { encodeSnapshot, type Snapshot } from '../../../src/core/snapshot.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { XdsError, createXdsServer, type XdsEvent } from '../../../src/sinks/xds/xds-server.js';
import { node, openStream } from './harness.js';

const enc = new ResourceEncoder();
const clusters = (...names: string[]) => encodeSnapshot(enc, names.map((name) => create(ClusterSchema, { name })));
const cdsRequest = (id = 'node-1') => create(DiscoveryRequestSchema, { node: node(id), typeUrl: TypeUrl.Cluster });

function client(port: number, service: typeof Health | typeof ClusterDiscoveryService): Record<string, Function> & grpc.Client {
  const Ctor = grpc.makeGenericClientConstructor(grpcServiceDefinition(service), service.name);
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as never;
}

test('a cancelled stream unsubscribes its snapshot source, leaves streams$ and reports open/close events', async () => {
  let subscribed = 0;
  let unsubscribed = 0;
  const source = new Observable<Snapshot>((sub) => {
    subscribed++;
    sub.next(clusters('a'));
    return () => unsubscribed++;
  });
  const xds = createXdsServer({ snapshots: () => source });
  const events: XdsEvent[] = [];
  xds.events$.subscribe((e) => events.push(e));
  const port = await xds.listen('127.0.0.1:0');
  const { stream } = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources');
  try {
    stream.send(cdsRequest());
    const r = await stream.next();
    stream.send(create(DiscoveryRequestSchema, { typeUrl: TypeUrl.Cluster, responseNonce: r.nonce, versionInfo: r.versionInfo }));
    await firstValueFrom(xds.streams$.pipe(filter((m) => [...m.values()].some((s) => s.types.get(TypeUrl.Cluster)?.status === 'SYNCED'))));
    assert.equal(subscribed, 1);
    stream.close();
    await firstValueFrom(xds.streams$.pipe(filter((m) => m.size === 0)));
    assert.equal(unsubscribed, 1, 'the snapshot source is unsubscribed');
    assert.deepEqual(events.map((e) => e.type), ['stream-open', 'push', 'ack', 'stream-close']);
    const close = events.at(-1)!;
    assert.ok(close.type === 'stream-close' && close.code === grpc.status.CANCELLED, JSON.stringify(close));
  } finally {
    await xds.close();
  }
});

test('a failing snapshot source ends its stream UNAVAILABLE; other streams keep being served', async () => {
  const good = new BehaviorSubject(clusters('a'));
  const xds = createXdsServer({ snapshots: (n) => (n.id === 'bad' ? throwError(() => new Error('store down')) : good) });
  const port = await xds.listen('127.0.0.1:0');
  const bad = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources').stream;
  const ok = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources').stream;
  try {
    bad.send(cdsRequest('bad'));
    const st = await bad.ended;
    assert.equal(st.code, grpc.status.UNAVAILABLE);
    assert.match(st.details, /store down/);
    ok.send(cdsRequest('good'));
    assert.equal((await ok.next()).resources.length, 1);
  } finally {
    bad.close();
    ok.close();
    await xds.close();
  }
});

test('an XdsError from the snapshot source ends the stream with its own status', async () => {
  const xds = createXdsServer({ snapshots: () => throwError(() => new XdsError(grpc.status.PERMISSION_DENIED, 'token revoked')) });
  const port = await xds.listen('127.0.0.1:0');
  const { stream } = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources');
  try {
    stream.send(cdsRequest());
    const st = await stream.ended;
    assert.equal(st.code, grpc.status.PERMISSION_DENIED);
    assert.match(st.details, /token revoked/);
  } finally {
    stream.close();
    await xds.close();
  }
});

test('close() ends every stream with OK and stops the listener', async () => {
  const xds = createXdsServer({ snapshots: () => new BehaviorSubject(clusters('a')) });
  const port = await xds.listen('127.0.0.1:0');
  const { stream } = openStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(port, 'deltaAggregatedResources');
  stream.send(create(DeltaDiscoveryRequestSchema, { node: node(), typeUrl: TypeUrl.Cluster, resourceNamesSubscribe: ['*'] }));
  await stream.next();
  await xds.close();
  assert.equal((await stream.ended).code, grpc.status.OK);
  stream.close();
  const again = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources').stream;
  again.send(cdsRequest());
  assert.equal((await again.ended).code, grpc.status.UNAVAILABLE, 'nobody listens any more');
  again.close();
});

test('streams beyond maxStreams are refused with RESOURCE_EXHAUSTED; a freed slot is usable again', async () => {
  const xds = createXdsServer({ snapshots: () => new BehaviorSubject(clusters('a')), maxStreams: 1 });
  const port = await xds.listen('127.0.0.1:0');
  const first = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources').stream;
  try {
    first.send(cdsRequest());
    await first.next();
    const second = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources').stream;
    second.send(cdsRequest('n2'));
    assert.equal((await second.ended).code, grpc.status.RESOURCE_EXHAUSTED);
    second.close();
    first.close();
    await firstValueFrom(xds.streams$.pipe(filter((m) => m.size === 0)));
    const third = openStream<DiscoveryRequest, DiscoveryResponse>(port, 'streamAggregatedResources').stream;
    third.send(cdsRequest('n3'));
    assert.equal((await third.next()).resources.length, 1);
    third.close();
  } finally {
    await xds.close();
  }
});

test('FetchClusters answers once with the named (or all) clusters; without node it is INVALID_ARGUMENT', async () => {
  const xds = createXdsServer({ snapshots: () => new BehaviorSubject(clusters('a', 'b')) });
  const port = await xds.listen('127.0.0.1:0');
  const c = client(port, ClusterDiscoveryService);
  const fetch = (req: DiscoveryRequest) =>
    new Promise<DiscoveryResponse>((resolve, reject) => c['fetchClusters']!.call(c, req, (err: Error | null, r: DiscoveryResponse) => (err ? reject(err) : resolve(r))));
  try {
    assert.equal((await fetch(create(DiscoveryRequestSchema, { node: node() }))).resources.length, 2);
    const one = await fetch(create(DiscoveryRequestSchema, { node: node(), resourceNames: ['b', 'missing'] }));
    assert.equal(one.resources.length, 1);
    assert.equal(one.typeUrl, TypeUrl.Cluster);
    await assert.rejects(fetch(create(DiscoveryRequestSchema, {})), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT);
  } finally {
    c.close();
    await xds.close();
  }
});

test('health: Check is SERVING for "" and served services, NOT_FOUND otherwise; Watch hears NOT_SERVING at close', async () => {
  const xds = createXdsServer({ snapshots: () => new BehaviorSubject(clusters()) });
  const port = await xds.listen('127.0.0.1:0');
  const c = client(port, Health);
  const check = (service: string) =>
    new Promise<HealthCheckResponse>((resolve, reject) =>
      c['check']!.call(c, create(HealthCheckRequestSchema, { service }), (err: Error | null, r: HealthCheckResponse) => (err ? reject(err) : resolve(r))),
    );
  try {
    assert.equal((await check('')).status, HealthCheckResponse_ServingStatus.SERVING);
    assert.equal((await check('envoy.service.discovery.v3.AggregatedDiscoveryService')).status, HealthCheckResponse_ServingStatus.SERVING);
    await assert.rejects(check('no.such.Service'), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
    const watch: grpc.ClientReadableStream<HealthCheckResponse> = c['watch']!.call(c, create(HealthCheckRequestSchema, { service: '' }));
    watch.on('error', () => {});
    const statuses = new ReplaySubject<HealthCheckResponse_ServingStatus>();
    watch.on('data', (r: HealthCheckResponse) => statuses.next(r.status));
    watch.on('end', () => statuses.complete());
    assert.equal(await firstValueFrom(statuses), HealthCheckResponse_ServingStatus.SERVING);
    await xds.close();
    assert.deepEqual(await firstValueFrom(statuses.pipe(toArray())), [
      HealthCheckResponse_ServingStatus.SERVING,
      HealthCheckResponse_ServingStatus.NOT_SERVING,
    ]);
  } finally {
    c.close();
    await xds.close();
  }
});
