// The SotW diff pipeline of one stream (snapshots x subscriptions -> responses), in virtual time.
// Nonces are the stream's response counter, so "#2" is the second response of the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatMap, map, of, type Observable } from 'rxjs';
import type { DiscoveryRequest } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { sotwMachine } from '../../src/sinks/xds/sotw-state.js';
import { machineConfig, runMachine, sotwResponses } from '../../src/sinks/xds/xds-pipeline.js';
import {
  CDS, EDS, LDS, RDS, at, cluster, endpoints, listener, record, req, routes, snap, sotwText, testScheduler,
} from '../sinks/xds/marble-support.js';

test('SotW: the first request is answered, a pure ACK is not, a change gets a fresh nonce (CDS full state)', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s-----t', { s: snap(cluster('a')), t: snap(cluster('a'), cluster('b')) });
    const requests = hot<DiscoveryRequest>('-r-a------b', {
      r: req(CDS), // legacy wildcard: nothing named yet
      a: req(CDS, [], { nonce: '1' }),
      b: req(CDS, [], { nonce: '2' }),
    });
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts }).pipe(map(sotwText))).toBe('-x----y', {
      x: 'CDS a #1',
      y: 'CDS a,b #2', // full state: the unchanged a comes along
    });
  });
});

test('SotW: EDS carries only what changed; nothing is answered before the first snapshot', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('---s---t', {
      s: snap(endpoints('a'), endpoints('b')),
      t: snap(endpoints('a'), endpoints('b', 1)),
    });
    const requests = hot<DiscoveryRequest>('-r---a', { r: req(EDS, ['a', 'b']), a: req(EDS, ['a', 'b'], { nonce: '1' }) });
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts }).pipe(map(sotwText))).toBe('---x---y', {
      x: 'EDS a,b #1',
      y: "EDS b' #2",
    });
  });
});

test('SotW: a NACK is recorded by error_detail, the same content is not resent, the next real change is', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s---t--u-w', {
      s: snap(endpoints('a')),
      t: snap(endpoints('a', 1)),
      u: snap(endpoints('a', 1)), // a new snapshot with equal content
      w: snap(endpoints('a', 2)),
    });
    const requests = hot<DiscoveryRequest>('-rA--N', {
      r: req(EDS, ['a']),
      A: req(EDS, ['a'], { nonce: '1', version: 'v1' }),
      // A NACK repeats the last good version: only error_detail tells it from an ACK.
      N: req(EDS, ['a'], { nonce: '2', version: 'v1', error: 'bad endpoints' }),
    });
    const steps = runMachine(sotwMachine(machineConfig({})), requests, snapshots, { scheduler: ts });
    const outputs = steps.pipe(
      concatMap((s) => of(...s.outputs)),
      map((o) => (o.kind === 'response' ? sotwText(o.response as never) : o.kind === 'nack' ? `nack #${o.nonce}: ${o.error}` : `${o.kind} #${'nonce' in o ? o.nonce : ''}`)),
    );
    expectObservable(outputs).toBe('-xa-yn---z', {
      x: 'EDS a #1',
      a: 'ack #1',
      y: "EDS a' #2",
      n: 'nack #2: bad endpoints',
      z: "EDS a'' #3",
    });
  });
});

test('SotW: a stale nonce gets no response, but its names become the subscription', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s---t', { s: snap(endpoints('a'), endpoints('b')), t: snap(endpoints('a', 1), endpoints('b')) });
    const requests = hot<DiscoveryRequest>('-r-----x-y', {
      r: req(EDS, ['a']),
      x: req(EDS, ['a', 'b'], { nonce: '1' }), // #2 was sent since: stale
      y: req(EDS, ['a', 'b'], { nonce: '2' }), // ACK of #2, names unchanged since x: b is still owed
    });
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts }).pipe(map(sotwText))).toBe('-x--y----z', {
      x: 'EDS a #1',
      y: "EDS a' #2",
      z: 'EDS b #3',
    });
  });
});

test('SotW: "*" is wildcard; an empty list after names means nothing, not wildcard', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s----t----u', {
      s: snap(cluster('a'), cluster('b')),
      t: snap(cluster('a'), cluster('b'), cluster('c')),
      u: snap(cluster('a', 1), cluster('b'), cluster('c')),
    });
    const requests = hot<DiscoveryRequest>('-r-n---e', {
      r: req(CDS, ['*']),
      n: req(CDS, ['a'], { nonce: '1' }),
      e: req(CDS, [], { nonce: '2' }),
    });
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts }).pipe(map(sotwText))).toBe('-x-y---w', {
      x: 'CDS a,b #1',
      y: 'CDS a #2', // the subscription changed: the full state of what is named (c, added at 5, is not)
      w: 'CDS #3', // nothing subscribed any more: an empty full state; the change of a at 10 is not sent
    });
  });
});

test('SotW: names that do not exist yet are sent as soon as they appear; LDS/CDS answer "none" at once', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s----t', { s: snap(endpoints('a')), t: snap(endpoints('a'), endpoints('later'), cluster('x')) });
    const requests = hot<DiscoveryRequest>('-(re)', { r: req(EDS, ['a', 'later']), e: req(CDS, ['x']) });
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts }).pipe(map(sotwText))).toBe('-(xy)(tu)', {
      x: 'EDS a #1', // a partial type cannot say "does not exist": later is simply not sent yet
      y: 'CDS #2', // gRPC learns at once that x does not exist (full-state type)
      t: 'CDS x #3',
      u: 'EDS later #4',
    });
  });
});
