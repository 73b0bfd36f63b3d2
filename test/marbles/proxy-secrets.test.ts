// Certificates in a sidecar's snapshot: with a secrets source, a sidecar waits for its service's leaf and
// the trust bundle, gets both as SDS Secrets, and a renewal changes only the Secret (same name, new
// version), never its listeners or clusters. A failing certificate source leaves the sidecar without secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map, throwError, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ResourceEncoder, type Resource } from '../../src/core/resource.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { ROOTS_SECRET_NAME } from '../../src/pipelines/generate/names.js';
import { secret } from '../support/fixtures.js';
import { DEBOUNCE_MS, harness, statesAt } from '../pipelines/proxy/marble-harness.js';
import { instance, mesh } from '../pipelines/proxy/mesh-state.js';

const encoder = new ResourceEncoder();
const leaf1 = encoder.encode(secret('web', 'cert-1'));
const leaf2 = encoder.encode(secret('web', 'cert-2'));
const roots = encoder.encode(secret(ROOTS_SECRET_NAME, 'root-1'));
const state = mesh([instance('web', 'web-1', 8080, { Connect: { SidecarService: { Port: 21000 } } })]);

const versions = (snap: Snapshot, typeUrl: string) => [...(snap.get(typeUrl)?.values() ?? [])].map((r) => r.version).sort();

test('a sidecar waits for its secrets, gets them, and a renewal changes only the leaf Secret', () => {
  const s = new TestScheduler((a, b) => assert.deepEqual(a, b));
  const asked: string[] = [];
  const seen: Array<[number, Snapshot]> = [];
  s.run(({ cold }) => {
    const secrets = (service: string): Observable<{ leaf: Resource; roots: Resource }> => {
      asked.push(service);
      return cold('5ms a 19ms b', { a: { leaf: leaf1, roots }, b: { leaf: leaf2, roots } });
    };
    const h = harness(s, statesAt(s, [[0, state]]), { secrets });
    h.envoy('web-1-sidecar-proxy').subscribe((snap) => seen.push([s.now(), snap]));
  });
  assert.deepEqual(asked, ['web'], 'the secrets of the local service, asked once');
  // The first configuration when the certificates exist (5), the renewal (25) after the debounce.
  assert.deepEqual(seen.map(([t]) => t), [5, 25 + DEBOUNCE_MS]);
  const [[, first], [, renewed]] = seen as [[number, Snapshot], [number, Snapshot]];
  assert.deepEqual(versions(first, TypeUrl.Secret), [leaf1.version, roots.version].sort());
  assert.deepEqual(versions(renewed, TypeUrl.Secret), [leaf2.version, roots.version].sort());
  for (const t of [TypeUrl.Listener, TypeUrl.Cluster]) {
    assert.ok(versions(first, t).length > 0);
    assert.deepEqual(versions(renewed, t), versions(first, t), `${t} unchanged by the renewal`);
  }
});

test('a failing certificate source: the sidecar is configured without secrets (logged), not left waiting', () => {
  const s = new TestScheduler((a, b) => assert.deepEqual(a, b));
  s.run(({ expectObservable }) => {
    const h = harness(s, statesAt(s, [[0, state]]), { secrets: () => throwError(() => new Error('CA is down')) });
    expectObservable(h.envoy('web-1-sidecar-proxy').pipe(map((snap) => snap.get(TypeUrl.Secret)?.size ?? 0))).toBe('a', { a: 0 });
  });
});
