// Make-before-break on ADS, in virtual time: CDS, EDS, then LDS, RDS; LDS/RDS held while CDS/EDS
// are un-ACKed or a cluster warms (at most the hold timeout, 5 s); removals last; EDS re-sent after
// a cluster update and RDS after a listener update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeltaDiscoveryRequest, DiscoveryRequest } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { deltaResponses, sotwResponses } from '../../src/sinks/xds/xds-pipeline.js';
import {
  CDS, EDS, LDS, RDS, at, cluster, deltaText, dreq, endpoints, listener, record, req, routes, snap, sotwText, testScheduler,
} from '../sinks/xds/marble-support.js';

const mesh = (c: string, v = 0) => [cluster(c), endpoints(c), listener('l', 'r'), routes('r', v)];

/** An Envoy-style SotW start: wildcard CDS/LDS, named EDS/RDS; #1..#4 ACKed by frame 5. */
const sotwStart = (eds: string): Array<[number, DiscoveryRequest]> => [
  [1, req(CDS, ['*'])],
  [1, req(EDS, [eds])],
  [1, req(LDS, ['*'])],
  [1, req(RDS, ['r'])],
  [2, req(CDS, ['*'], { nonce: '1' })],
  [3, req(EDS, [eds], { nonce: '2' })],
  [4, req(LDS, ['*'], { nonce: '3' })],
  [5, req(RDS, ['r'], { nonce: '4' })],
];

test('SotW ADS: CDS and EDS first; LDS and RDS wait for their ACKs, or for the 5 s hold timeout', () => {
  const ts = testScheduler();
  let seen: string[] = [];
  ts.run(() => {
    const snapshots = at<Snapshot>([[0, snap(...mesh('c'))], [30, snap(cluster('c', 1), endpoints('c', 1), listener('l', 'r', 1), routes('r', 1))]], ts);
    const requests = at<DiscoveryRequest>(
      [[1, req(CDS, ['*'])], [1, req(EDS, ['c'])], [1, req(LDS, ['*'])], [1, req(RDS, ['r'])], [10, req(CDS, ['*'], { nonce: '1' })], [20, req(EDS, ['c'], { nonce: '2' })]],
      ts,
    );
    seen = record(sotwResponses(requests, snapshots, { scheduler: ts }), ts, sotwText);
  });
  assert.deepEqual(seen, [
    '1: CDS c #1',
    '1: EDS c #2',
    '20: LDS l #3', // only once both CDS (10) and EDS (20) are ACKed
    '20: RDS r #4',
    "30: CDS c' #5",
    "30: EDS c' #6",
    // never ACKed: the hold expires 5 s after the EDS push
    "5030: LDS l' #7",
    "5030: RDS r' #8",
  ]);
});

test('SotW ADS: a cluster update re-sends its (unchanged) endpoints, a listener update its routes', () => {
  const ts = testScheduler();
  let seen: string[] = [];
  ts.run(() => {
    const snapshots = at<Snapshot>([[0, snap(...mesh('c'))], [10, snap(cluster('c', 1), endpoints('c'), listener('l', 'r', 1), routes('r'))]], ts);
    const requests = at<DiscoveryRequest>([...sotwStart('c'), [12, req(CDS, ['*'], { nonce: '5' })], [13, req(EDS, ['c'], { nonce: '6' })]], ts);
    seen = record(sotwResponses(requests, snapshots, { scheduler: ts }), ts, sotwText);
  });
  assert.deepEqual(seen.slice(4), ["10: CDS c' #5", '10: EDS c #6', "13: LDS l' #7", '13: RDS r #8']);
});

test('SotW ADS: a cluster the route leaves is removed only after the route moved (and was ACKed)', () => {
  const ts = testScheduler();
  let seen: string[] = [];
  ts.run(() => {
    const snapshots = at<Snapshot>([[0, snap(...mesh('old'))], [10, snap(...mesh('new', 1))]], ts);
    const requests = at<DiscoveryRequest>(
      [
        ...sotwStart('old'),
        [12, req(CDS, ['*'], { nonce: '5' })],
        [12, req(EDS, ['new'], { nonce: '2' })], // as Envoy: the new cluster's EDS is subscribed
        [14, req(EDS, ['new'], { nonce: '6' })],
        [16, req(RDS, ['r'], { nonce: '7' })],
      ],
      ts,
    );
    seen = record(sotwResponses(requests, snapshots, { scheduler: ts }), ts, sotwText);
  });
  assert.deepEqual(seen.slice(4), [
    '10: CDS new,old #5', // make: new is added, old stays listed while the route points at it
    '12: EDS new #6', // the new cluster warms: routes wait for its endpoints
    "14: RDS r' #7",
    '16: CDS new #8', // break: old goes once the moved route is ACKed
  ]);
});

test('Delta ADS: the same order, removals in removed_resources after the route moved', () => {
  const ts = testScheduler();
  let seen: string[] = [];
  ts.run(() => {
    const snapshots = at<Snapshot>([[0, snap(...mesh('old'))], [10, snap(...mesh('new', 1))]], ts);
    const start: Array<[number, DeltaDiscoveryRequest]> = [
      [1, dreq(CDS, { sub: ['*'] })],
      [1, dreq(EDS, { sub: ['old'] })],
      [1, dreq(LDS, { sub: ['*'] })],
      [1, dreq(RDS, { sub: ['r'] })],
      [2, dreq(CDS, { nonce: '1' })],
      [3, dreq(EDS, { nonce: '2' })],
      [4, dreq(LDS, { nonce: '3' })],
      [5, dreq(RDS, { nonce: '4' })],
    ];
    const requests = at<DeltaDiscoveryRequest>(
      [
        ...start,
        [12, dreq(CDS, { nonce: '5' })],
        [12, dreq(EDS, { sub: ['new'] })],
        [14, dreq(EDS, { nonce: '6' })],
        [16, dreq(RDS, { nonce: '7' })],
        [18, dreq(EDS, { nonce: '8', unsub: ['old'] })],
      ],
      ts,
    );
    seen = record(deltaResponses(requests, snapshots, { scheduler: ts }), ts, deltaText);
  });
  assert.deepEqual(seen, [
    '1: CDS +old #1',
    '1: EDS +old #2',
    '3: LDS +l #3',
    '3: RDS +r #4',
    '10: CDS +new #5',
    '12: EDS +new #6',
    "14: RDS +r' #7",
    '16: EDS -old #8', // removals in reverse push order, each after what follows it is ACKed
    '18: CDS -old #9',
  ]);
});
