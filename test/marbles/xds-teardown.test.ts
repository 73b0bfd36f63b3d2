// Teardown: when a stream ends (the client half-closes, cancels, or the stream fails), the pipeline
// unsubscribes its snapshot source and its requests; failures end only the pipeline, as errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { map } from 'rxjs';
import type { DeltaDiscoveryRequest, DiscoveryRequest } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { XdsError } from '../../src/sinks/xds/xds-error.js';
import { deltaResponses, sotwResponses } from '../../src/sinks/xds/xds-pipeline.js';
import { CDS, EDS, LDS, RDS, cluster, deltaText, dreq, endpoints, listener, req, routes, snap, sotwText, testScheduler } from '../sinks/xds/marble-support.js';

test('the client ending its stream completes the pipeline and unsubscribes the snapshot source', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const snapshots = hot<Snapshot>('s-------t', { s: snap(cluster('a')), t: snap(cluster('b')) });
    const requests = hot<DiscoveryRequest>('-r--|', { r: req(CDS) });
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts }).pipe(map(sotwText))).toBe('-x--|', { x: 'CDS a #1' });
    expectSubscriptions(snapshots.subscriptions).toBe('^---!');
    expectSubscriptions(requests.subscriptions).toBe('^---!');
  });
});

test('a cancel (unsubscribing the pipeline) unsubscribes the snapshot source and the pending hold-back timer', () => {
  const ts = testScheduler();
  let pendingAfterCancel = -1;
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const snapshots = hot<Snapshot>('s', { s: snap(cluster('c'), endpoints('c'), listener('l', 'r'), routes('r')) });
    // LDS/RDS are held behind the un-ACKed CDS/EDS for 5 s; the cancel at frame 5 must drop that timer too.
    const requests = hot<DiscoveryRequest>('-(cels)', { c: req(CDS), e: req(EDS, ['c']), l: req(LDS), s: req(RDS, ['r']) });
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts }).pipe(map(sotwText)), '^----!').toBe('-(xy)', {
      x: 'CDS c #1',
      y: 'EDS c #2',
    });
    expectSubscriptions(snapshots.subscriptions).toBe('^----!');
    ts.schedule(() => (pendingAfterCancel = ts.actions.length), 6);
  });
  assert.equal(pendingAfterCancel, 0, 'no hold-back timer left behind');
});

test('a failing snapshot source errors the pipeline and unsubscribes the requests', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const snapshots = hot<Snapshot>('s--#', { s: snap(cluster('a')) }, new Error('store down'));
    const requests = hot<DeltaDiscoveryRequest>('-r', { r: dreq(CDS, { sub: ['a'] }) });
    expectObservable(deltaResponses(requests, snapshots, { scheduler: ts }).pipe(map(deltaText))).toBe('-x-#', { x: 'CDS +a #1' }, new Error('store down'));
    expectSubscriptions(requests.subscriptions).toBe('^--!');
  });
});

test('a protocol violation errors with INVALID_ARGUMENT and unsubscribes the snapshot source', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const snapshots = hot<Snapshot>('s', { s: snap(endpoints('a')) });
    // A per-type EDS stream asked for clusters.
    const requests = hot<DiscoveryRequest>('-r-x', { r: req(EDS, ['a']), x: req(CDS, [], { nonce: '1' }) });
    const error = new XdsError(status.INVALID_ARGUMENT, `this service serves ${EDS}, not ${CDS}`);
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts, typeUrl: EDS }).pipe(map(sotwText))).toBe('-x-#', { x: 'EDS a #1' }, error);
    expectSubscriptions(snapshots.subscriptions).toBe('^--!');
  });
});

test('more names than the limit in one request end the stream with INVALID_ARGUMENT', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s', { s: snap(endpoints('a')) });
    const requests = hot<DiscoveryRequest>('-r', { r: req(EDS, ['a', 'b', 'c']) });
    const error = new XdsError(status.INVALID_ARGUMENT, 'a request may name at most 2 resources (got 3)');
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts, maxNames: 2 })).toBe('-#', undefined, error);
  });
});
