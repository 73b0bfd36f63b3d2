// GET /v1/rxds/proxies/:id/watch: a client that applies the patches ends with exactly what /config returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { BehaviorSubject, defer, finalize, type Observable } from 'rxjs';
import { createHttpServer } from '../../../src/core/http/http-server.js';
import type { Resource } from '../../../src/core/resource.js';
import type { Snapshot } from '../../../src/core/snapshot.js';
import { FULL_STATE_TYPES, TypeUrl } from '../../../src/core/type-urls.js';
import { createAdminApi } from '../../../src/sinks/admin/admin-api.js';
import type { Readiness } from '../../../src/sinks/admin/admin-deps.js';
import type { StreamStatus } from '../../../src/sinks/xds/stream-status.js';
import { cluster, endpoints, proxylessService } from '../../support/fixtures.js';
import { waitFor } from '../../support/wait.js';
import type { SotwClient } from '../../support/xds-client.js';
import { XdsHarness } from '../../support/xds-harness.js';
import { openSse, type SseClient } from './sse-client.js';

const ALL = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration];

/** Counts live subscriptions to the server's streams$ (every watch holds one while it is open). */
function counted(source: Observable<ReadonlyMap<string, StreamStatus>>) {
  let live = 0;
  const live$ = new BehaviorSubject(0);
  const streams$ = defer(() => {
    live$.next(++live);
    return source;
  }).pipe(finalize(() => live$.next(--live)));
  return { streams$, live$ };
}

/** ACKs everything a SotW client receives, as a proxy that accepts all config (until the stream ends). */
function autoAck(c: SotwClient): void {
  void (async () => {
    for (;;) {
      try {
        c.ack(await c.next(60_000));
      } catch {
        return;
      }
    }
  })();
}

async function config(url: string, id: string): Promise<unknown> {
  const res = await fetch(`${url}/v1/rxds/proxies/${id}/config`);
  assert.equal(res.status, 200);
  return res.json();
}

/** Reads patches, applying each, until the document equals `want`; returns how many were applied. */
async function applyUntil(sse: SseClient, doc: { value: unknown }, want: unknown): Promise<number> {
  let applied = 0;
  while (!isEqual(doc.value, want)) {
    const e = await sse.nextEvent();
    assert.equal(e.event, 'patch', `unexpected ${e.event} event`);
    const patch = JSON.parse(e.data) as Operation[];
    assert.ok(patch.length > 0, 'a patch event is never empty');
    assert.equal(jsonPatch.validate(patch, doc.value), undefined);
    doc.value = jsonPatch.applyPatch(doc.value, patch, true, false).newDocument;
    applied++;
  }
  return applied;
}

/**
 * The stream holds `want` of a type: every wanted resource at its version; for LDS and CDS (full state in
 * SotW) nothing else. (SotW never deletes EDS/RDS resources: the client keeps what it was sent.)
 */
function holds(type: string, held: ReadonlyMap<string, Resource> | undefined, want: ReadonlyMap<string, Resource> | undefined): boolean {
  const h = held ?? new Map<string, Resource>();
  const w = want ?? new Map<string, Resource>();
  for (const [n, r] of w) if (h.get(n)?.version !== r.version) return false;
  return !FULL_STATE_TYPES.has(type) || h.size === w.size;
}

function isEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

test('watch: config first, then RFC 6902 patches that bring the client to exactly what /config returns', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const { streams$, live$ } = counted(h.xds.streams$);
  const http = createHttpServer([createAdminApi({ xds: { streams$ }, ready$: new BehaviorSubject<Readiness>(true) })]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());

  const id = 'frontend';
  const c = h.sotw(id);
  for (const type of ALL) c.subscribe(type, []);
  autoAck(c);
  // Settled: every type ACKed, and what the stream holds is exactly the published snapshot.
  const settled = (snapshot: Snapshot) =>
    waitFor(
      h.xds.streams$,
      (all) =>
        [...all.values()].some(
          (s) =>
            s.nodeId === id &&
            ALL.every((type) => s.types.get(type)?.status === 'SYNCED' && holds(type, s.sent.get(type), snapshot.get(type))),
        ),
      'the proxy to hold the published snapshot',
    );
  await settled(h.publish(id, proxylessService('backend', [{ name: 'backend-v1', endpoints: [5001, 5002] }])));

  const sse = await openSse(`${url}/v1/rxds/proxies/${id}/watch`);
  t.after(() => sse.close());
  assert.equal(sse.status, 200);
  assert.match(sse.headers.get('content-type') ?? '', /^text\/event-stream/);
  const first = await sse.nextEvent();
  assert.equal(first.event, 'config');
  const doc = { value: JSON.parse(first.data) as unknown };
  assert.deepEqual(doc.value, await config(url, id));

  // A series of changes: an endpoint added, a v2 subset split 90/10, then 50/50, v1 removed.
  const steps = [
    proxylessService('backend', [{ name: 'backend-v1', endpoints: [5001, 5002, 5003] }]),
    proxylessService('backend', [
      { name: 'backend-v1', weight: 90, endpoints: [5001, 5002, 5003] },
      { name: 'backend-v2', weight: 10, endpoints: [6001] },
    ]),
    proxylessService('backend', [
      { name: 'backend-v1', weight: 50, endpoints: [5001, 5002, 5003] },
      { name: 'backend-v2', weight: 50, endpoints: [6001] },
    ]),
    proxylessService('backend', [{ name: 'backend-v2', endpoints: [6001, 6002] }]),
  ];
  let patches = 0;
  for (const step of steps) {
    await settled(h.publish(id, step));
    patches += await applyUntil(sse, doc, await config(url, id));
  }
  assert.ok(patches >= steps.length, `at least one patch per change (got ${patches})`);
  const final = (await config(url, id)) as { Resources: Record<string, Record<string, unknown>> };
  assert.deepEqual(doc.value, final);
  assert.deepEqual(Object.keys(final.Resources[TypeUrl.Cluster]!), ['backend-v2']);

  // The client goes away: the server drops its subscription (no watcher left behind).
  assert.equal(live$.value, 1);
  sse.close();
  await waitFor(live$, (n) => n === 0, 'the watch to unsubscribe after the client disconnected');
});

test('watch: heartbeats keep the stream alive; a proxy that disconnects is patched to an empty config', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const http = createHttpServer([createAdminApi({ xds: h.xds, ready$: new BehaviorSubject<Readiness>(true), heartbeatMs: 20 })]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());

  h.publish('edge', [cluster('a'), endpoints('a', [1])]);
  const c = h.sotw('edge');
  c.subscribe(TypeUrl.Cluster, []);
  await c.nextAcked(TypeUrl.Cluster);

  const sse = await openSse(`${url}/v1/rxds/proxies/edge/watch`);
  t.after(() => sse.close());
  const first = await sse.next();
  assert.equal(first.event, 'config');
  const heartbeat = await sse.next();
  assert.equal(heartbeat.event, 'comment');

  c.close();
  await h.streamCount('edge', 0);
  const doc = { value: JSON.parse(first.data) as unknown };
  await applyUntil(sse, doc, { NodeID: 'edge', Resources: {} });
});

test('watch: the stream ends cleanly when the xDS server closes', async (t) => {
  const h = await XdsHarness.start();
  const http = createHttpServer([createAdminApi({ xds: h.xds, ready$: new BehaviorSubject<Readiness>(true) })]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());
  h.publish('n', [cluster('a')]);
  const c = h.sotw('n');
  c.subscribe(TypeUrl.Cluster, []);
  await c.nextAcked(TypeUrl.Cluster);
  const sse = await openSse(`${url}/v1/rxds/proxies/n/watch`);
  assert.equal((await sse.nextEvent()).event, 'config');
  await h.close(); // completes streams$
  await sse.ended;
});

test('watch: closeWatches() ends open watch streams (so the HTTP server can close) and refuses new ones', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const admin = createAdminApi({ xds: h.xds, ready$: new BehaviorSubject<Readiness>(true) });
  const http = createHttpServer([admin]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());
  h.publish('n', [cluster('a')]);
  const c = h.sotw('n');
  c.subscribe(TypeUrl.Cluster, []);
  await c.nextAcked(TypeUrl.Cluster);
  const sse = await openSse(`${url}/v1/rxds/proxies/n/watch`);
  assert.equal((await sse.nextEvent()).event, 'config');
  admin.closeWatches();
  await sse.ended;
  const again = await fetch(`${url}/v1/rxds/proxies/n/watch`);
  assert.equal(again.status, 503);
  assert.deepEqual(await again.json(), { error: 'the server is shutting down' });
});
