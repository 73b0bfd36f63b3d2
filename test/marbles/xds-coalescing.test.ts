// Latest wins: responses are computed only when the stream can write. Snapshots that arrive while
// the writer is blocked collapse into one response built from the latest state; nothing queues.
import { test } from 'node:test';
import { BehaviorSubject, map, tap } from 'rxjs';
import type { DeltaDiscoveryRequest, DiscoveryRequest } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { deltaResponses, sotwResponses } from '../../src/sinks/xds/xds-pipeline.js';
import { CDS, EDS, cluster, deltaText, dreq, endpoints, req, snap, sotwText, testScheduler } from '../sinks/xds/marble-support.js';

test('SotW: snapshots arriving while the writer is blocked collapse into one response', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    const writable = hot<boolean>('t-f------t', { t: true, f: false });
    const snapshots = hot<Snapshot>('s--t-u-v', {
      s: snap(endpoints('a')),
      t: snap(endpoints('a', 1)),
      u: snap(endpoints('a', 2)),
      v: snap(endpoints('a', 3)),
    });
    const requests = hot<DiscoveryRequest>('-r', { r: req(EDS, ['a']) });
    expectObservable(sotwResponses(requests, snapshots, { scheduler: ts, writable$: writable }).pipe(map(sotwText))).toBe('-x-------y', {
      x: 'EDS a #1',
      y: "EDS a''' #2",
    });
  });
});

test('Delta: a stream that never reads holds one response; a drain gets the latest state, type by type', () => {
  const ts = testScheduler();
  ts.run(({ hot, expectObservable }) => {
    // As the gRPC driver does: every write blocks the writer until that write is flushed ("drain").
    const writable = new BehaviorSubject(true);
    hot('----------d--------d').subscribe(() => writable.next(true));
    const snapshots = hot<Snapshot>('s--t-u-v', {
      s: snap(cluster('c'), endpoints('c')),
      t: snap(cluster('c', 1), endpoints('c', 1)),
      u: snap(cluster('c', 2), endpoints('c', 2)),
      v: snap(cluster('c', 3), endpoints('c', 3)),
    });
    const out = deltaResponses(
      hot<DeltaDiscoveryRequest>('-(re)', { r: dreq(CDS, { sub: ['*'] }), e: dreq(EDS, { sub: ['c'] }) }),
      snapshots,
      { scheduler: ts, writable$: writable },
    ).pipe(
      tap(() => writable.next(false)),
      map(deltaText),
    );
    expectObservable(out).toBe('-x--------y--------z', {
      x: 'CDS +c #1', // then blocked: EDS c, and three snapshots, wait
      y: "CDS +c''' #2", // first drain: the latest clusters (CDS goes first)
      z: "EDS +c''' #3", // second drain: the latest endpoints, once (not c, c', c'', c''')
    });
  });
});
