// The Delta diff pipeline of one stream (snapshots x subscriptions -> responses), in virtual time.
// "CDS +a,b' -c #3": upserted a and b (second revision), c in removed_resources, third response.
import { test } from 'node:test';
import { concatMap, map, of } from 'rxjs';
import type { DeltaDiscoveryRequest } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { deltaMachine } from '../../src/sinks/xds/delta-state.js';
import { deltaResponses, machineConfig, runMachine } from '../../src/sinks/xds/xds-pipeline.js';
import { CDS, cluster, deltaText, dreq, snap, testScheduler } from '../sinks/xds/marble-support.js';

test('Delta: nonces on every response, a pure ACK unanswered, a NACK recorded and not resent', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s---t--u-w', {
      s: snap(cluster('a')),
      t: snap(cluster('a', 1)),
      u: snap(cluster('a', 1)), // equal content, new objects: nothing to send
      w: snap(cluster('a', 2)),
    });
    const requests = hot<DeltaDiscoveryRequest>('-rA--N', {
      r: dreq(CDS, { sub: ['a'] }),
      A: dreq(CDS, { nonce: '1' }),
      N: dreq(CDS, { nonce: '2', error: 'bad cluster' }),
    });
    const outputs = runMachine(deltaMachine(machineConfig({})), requests, snapshots, { scheduler: ts }).pipe(
      concatMap((s) => of(...s.outputs)),
      map((o) => (o.kind === 'response' ? deltaText(o.response) : o.kind === 'nack' ? `nack #${o.nonce}: ${o.error}` : `${o.kind}`)),
    );
    expectObservable(outputs).toBe('-xa-yn---z', {
      x: 'CDS +a #1',
      a: 'ack',
      y: "CDS +a' #2",
      n: 'nack #2: bad cluster',
      z: "CDS +a'' #3",
    });
  });
});

test('Delta: subscription changes apply (and are answered) even with a stale nonce', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s---t', { s: snap(cluster('a'), cluster('b')), t: snap(cluster('a', 1), cluster('b')) });
    const requests = hot<DeltaDiscoveryRequest>('-r-----x', {
      r: dreq(CDS, { sub: ['a'] }),
      x: dreq(CDS, { nonce: '1', sub: ['b'] }), // #2 went out since: stale, but b is subscribed
    });
    expectObservable(deltaResponses(requests, snapshots, { scheduler: ts }).pipe(map(deltaText))).toBe('-x--y--z', {
      x: 'CDS +a #1',
      y: "CDS +a' #2",
      z: 'CDS +b #3',
    });
  });
});

test('Delta: a subscribed name that does not exist is reported removed, sent when it appears, removed when deleted', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s---t---u', {
      s: snap(cluster('a')),
      t: snap(cluster('a'), cluster('later')),
      u: snap(cluster('later')),
    });
    const requests = hot<DeltaDiscoveryRequest>('-r', { r: dreq(CDS, { sub: ['a', 'later'] }) });
    expectObservable(deltaResponses(requests, snapshots, { scheduler: ts, typeUrl: CDS }).pipe(map(deltaText))).toBe('-x--y---z', {
      x: 'CDS +a -later #1',
      y: 'CDS +later #2',
      z: 'CDS -a #3',
    });
  });
});

test('Delta: every name in resource_names_subscribe is sent, even one the client holds', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s', { s: snap(cluster('a')) });
    const requests = hot<DeltaDiscoveryRequest>('-r-s', { r: dreq(CDS, { sub: ['a'] }), s: dreq(CDS, { nonce: '1', sub: ['a'] }) });
    expectObservable(deltaResponses(requests, snapshots, { scheduler: ts }).pipe(map(deltaText))).toBe('-x-y', {
      x: 'CDS +a #1',
      y: 'CDS +a #2',
    });
  });
});

test('Delta: initial_resource_versions: unchanged not resent, changed and new sent, deleted reported', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s', { s: snap(cluster('a'), cluster('b', 1), cluster('d')) });
    const had = { a: cluster('a').version, b: cluster('b').version, c: cluster('c').version };
    const requests = hot<DeltaDiscoveryRequest>('-r', { r: dreq(CDS, { sub: ['a', 'b', 'c', 'd'], initial: had }) });
    expectObservable(deltaResponses(requests, snapshots, { scheduler: ts }).pipe(map(deltaText))).toBe('-x', {
      x: "CDS +b',d -c #1",
    });
  });
});

test('Delta: a wildcard reconnect with nothing changed is not answered; later changes are', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s--t', { s: snap(cluster('a')), t: snap(cluster('a'), cluster('b')) });
    const requests = hot<DeltaDiscoveryRequest>('-r', { r: dreq(CDS, { initial: { a: cluster('a').version } }) });
    expectObservable(deltaResponses(requests, snapshots, { scheduler: ts }).pipe(map(deltaText))).toBe('---x', {
      x: 'CDS +b #1',
    });
  });
});

test('Delta: legacy wildcard gets an (empty) answer at once, then additions and deletions', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s--t--u', { s: snap(), t: snap(cluster('a')), u: snap(cluster('b')) });
    const requests = hot<DeltaDiscoveryRequest>('-r', { r: dreq(CDS) }); // first request, both lists empty
    expectObservable(deltaResponses(requests, snapshots, { scheduler: ts }).pipe(map(deltaText))).toBe('-x-y--z', {
      x: 'CDS #1', // the set is complete, and empty
      y: 'CDS +a #2',
      z: 'CDS +b -a #3',
    });
  });
});

test('Delta: "*" subscribes to everything; after leaving it, an unsubscribed name gets no more updates', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const snapshots = hot<Snapshot>('s----t', { s: snap(cluster('a'), cluster('b')), t: snap(cluster('a', 1), cluster('b', 1)) });
    const requests = hot<DeltaDiscoveryRequest>('-r-u', {
      r: dreq(CDS, { sub: ['*'] }),
      u: dreq(CDS, { nonce: '1', unsub: ['*'], sub: ['a'] }),
    });
    expectObservable(deltaResponses(requests, snapshots, { scheduler: ts }).pipe(map(deltaText))).toBe('-x-y-z', {
      x: 'CDS +a,b #1',
      y: 'CDS +a #2', // a subscribed name is sent even though the client holds it
      z: "CDS +a' #3", // b is no longer subscribed: its change is not sent
    });
  });
});
