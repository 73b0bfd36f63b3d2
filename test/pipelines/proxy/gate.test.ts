// The PGV gate in the pipeline: a generated resource that breaks Envoy's validation rules is not sent;
// it is reported, and the proxy keeps the previous good resource of that name while the rest updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import type { Snapshot } from '../../../src/core/snapshot.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import type { InvalidResource } from '../../../src/pipelines/proxy/gate-resources.js';
import type { ResourceGate } from '../../../src/pipelines/validate/check-resource.js';
import { endpointsSummary, harness, statesAt } from './marble-harness.js';
import { instance, mesh, register, writeEntry } from './mesh-state.js';

const router = (headerName: string) => ({
  Kind: 'service-router',
  Name: 'web',
  Routes: [{ Match: { HTTP: { Header: [{ Name: headerName, Exact: 'yes' }] } }, Destination: { Service: 'web' } }],
});
const good = mesh([instance('web', 'web-1', 8001)], [{ Kind: 'service-defaults', Name: 'web', Protocol: 'http' }, router('x-good')]);
// The entry validation accepts this header name; Envoy's HTTP_HEADER_NAME rule does not.
const bad = register(writeEntry(good, router('bad header\n')), instance('web', 'web-2', 8002));

function run(entries: Array<readonly [number, typeof good]>, at: number[]) {
  const s = new TestScheduler((a, b) => assert.deepEqual(a, b));
  const invalid: InvalidResource[] = [];
  const seen: Array<[number, Snapshot]> = [];
  s.run(() => {
    const h = harness(s, statesAt(s, entries), { onInvalidResource: (i) => invalid.push(i) });
    for (const t of at) s.schedule(() => void h.proxyless(`client-${t}`, ['web']).subscribe((snap) => seen.push([t, snap])), t);
  });
  return { invalid, seen };
}

test('a resource failing the gate is reported and the previous good one stays in force; the rest updates', () => {
  const { invalid, seen } = run([[0, good], [10, bad]], [0]);
  assert.equal(seen.length, 2, 'the initial snapshot and the update');
  const [[, before], [, after]] = seen as [[number, Snapshot], [number, Snapshot]];
  assert.equal(endpointsSummary(after), 'web=8001*1@p0,8002*1@p0', 'the endpoints moved on');
  const route = (snap: Snapshot) => snap.get(TypeUrl.RouteConfiguration)?.get('web');
  assert.ok(route(before), 'a route configuration was sent first');
  assert.equal(route(after), route(before), 'the route configuration is the previous good one (same version)');
  assert.equal(invalid.length, 1);
  assert.equal(invalid[0]!.resource.typeUrl, TypeUrl.RouteConfiguration);
  assert.equal(invalid[0]!.kept, route(before));
  assert.ok(invalid[0]!.violations.some((v) => v.path.includes('headers[0].name')), JSON.stringify(invalid[0]!.violations));
});

test('a proxy that never had a good version of the resource goes without it (nothing invalid is ever sent)', () => {
  const { invalid, seen } = run([[0, bad]], [0]);
  assert.equal(seen.length, 1);
  const snap = seen[0]![1];
  assert.equal(snap.get(TypeUrl.RouteConfiguration)?.get('web'), undefined, 'no route configuration');
  assert.ok(snap.get(TypeUrl.Listener)?.get('web'), 'the listener is still sent');
  assert.equal(invalid.length, 1);
  assert.equal(invalid[0]!.kept, undefined);
});

test('a failure while building (a bug) keeps the last configuration and the stream: no error reaches it', () => {
  const s = new TestScheduler((a, b) => assert.deepEqual(a, b));
  // A gate that breaks from t=10 on (after the first snapshot).
  const gate = {
    checked: 0,
    check: () => {
      if (s.now() >= 10) throw new Error('boom');
      return [];
    },
  } as unknown as ResourceGate;
  const seen: Snapshot[] = [];
  let failed: unknown;
  let later: Snapshot[] = [];
  s.run(() => {
    const h = harness(s, statesAt(s, [[0, good], [10, bad], [20, good]]), { gate });
    h.proxyless('client', ['web']).subscribe({ next: (x) => seen.push(x), error: (e) => (failed = e) });
    s.schedule(() => void h.proxyless('client', ['web']).subscribe((x) => (later = [...later, x])), 30);
  });
  assert.equal(failed, undefined, 'the stream did not fail');
  assert.equal(seen.length, 1, 'only the first (good) configuration was sent');
  assert.equal(later[0], seen[0], 'and it is still what a new stream of the node gets');
});
