import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { CertificateAuthority, type CertificateAuthorityOptions } from '../../src/sources/ca/certificate-authority.js';
import { bundle, createFakeIssuer, fakeLeaf, fakeRoot, fakeState, type FakeIssuer } from '../sources/ca/fake-issuer.js';

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
const A = fakeRoot('aa', 0);
const B = fakeRoot('bb', 100);

function ca(ts: TestScheduler, issuer: FakeIssuer, over: Partial<CertificateAuthorityOptions> = {}): CertificateAuthority {
  return new CertificateAuthority({
    state: fakeState(A),
    issuer,
    scheduler: ts,
    random: () => 0.5,
    leafTtlMs: 1000,
    graceMs: 100,
    rotationSpreadMs: 200,
    ...over,
  });
}

test('after a rotation the leaf is re-issued by the new root within the jitter window; the old root leaves the bundle once it is renewed', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, issuer);
    ts.schedule(() => authority.activateRoot(fakeRoot('bb', 100)), 100);
    // Rotation at 100, re-issue at 100 + 0.5 x 200 = 200 (not at the old leaf's renewal, 750), renewed at 200 + 750.
    expectObservable(authority.leaf$('web'), '^ 1000ms !').toBe('a 199ms b 749ms c', {
      a: fakeLeaf('web', 1, 'aa', 0, 1000),
      b: fakeLeaf('web', 2, 'bb', 200, 1000),
      c: fakeLeaf('web', 3, 'bb', 950, 1000),
    });
    expectObservable(authority.roots$, '^ 1000ms !').toBe('a 99ms b 99ms c', {
      a: bundle('aa', A),
      b: bundle('bb', A, B),
      c: bundle('bb', B),
    });
  });
});

test('with several services the old root stays until the last of its leaves is renewed', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  // Draws in order: web's and api's first renewal jitter, then their rotation delays (25% and 75% of
  // the 200 ms window), then everything else 0.5.
  const draws = [0.5, 0.5, 0.25, 0.75];
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, issuer, { random: () => draws.shift() ?? 0.5 });
    ts.schedule(() => authority.activateRoot(B), 100);
    expectObservable(authority.leaf$('web'), '^ 400ms !').toBe('a 149ms b', { a: fakeLeaf('web', 1, 'aa', 0, 1000), b: fakeLeaf('web', 2, 'bb', 150, 1000) });
    expectObservable(authority.leaf$('api'), '^ 400ms !').toBe('a 249ms b', { a: fakeLeaf('api', 1, 'aa', 0, 1000), b: fakeLeaf('api', 2, 'bb', 250, 1000) });
    expectObservable(authority.roots$, '^ 400ms !').toBe('a 99ms b 149ms c', { a: bundle('aa', A), b: bundle('bb', A, B), c: bundle('bb', B) });
  });
});

test('a leaf nobody renews (its subscribers left) keeps its root in the bundle until it expires', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, issuer);
    expectObservable(authority.leaf$('api'), '^ 50ms !').toBe('a', { a: fakeLeaf('api', 1, 'aa', 0, 1000) });
    ts.schedule(() => authority.activateRoot(B), 300);
    expectObservable(authority.leaf$('web'), '^ 1100ms !').toBe('a 399ms b', { a: fakeLeaf('web', 1, 'aa', 0, 1000), b: fakeLeaf('web', 2, 'bb', 400, 1000) });
    // web is renewed by B at 400, but api's leaf from A is valid until 1000.
    expectObservable(authority.roots$, '^ 1200ms !').toBe('a 299ms b 699ms c', { a: bundle('aa', A), b: bundle('bb', A, B), c: bundle('bb', B) });
  });
});

test('a service subscribing again after a rotation gets a leaf from the new root at once, not its cached old one', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, issuer);
    expectObservable(authority.leaf$('api'), '^ 50ms !').toBe('a', { a: fakeLeaf('api', 1, 'aa', 0, 1000) });
    ts.schedule(() => authority.activateRoot(B), 300);
    expectObservable(authority.leaf$('api'), '600ms ^ 10ms !').toBe('600ms b', { b: fakeLeaf('api', 2, 'bb', 600, 1000) });
    expectObservable(authority.roots$, '^ 1200ms !').toBe('a 299ms b 299ms c', { a: bundle('aa', A), b: bundle('bb', A, B), c: bundle('bb', B) });
  });
});

test('a rotation with no leaf in use replaces the root at once', () => {
  const ts = scheduler();
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, createFakeIssuer());
    ts.schedule(() => authority.activateRoot(B), 100);
    expectObservable(authority.roots$, '^ 500ms !').toBe('a 99ms c', { a: bundle('aa', A), c: bundle('bb', B) });
  });
});

test('a restarted CA keeps roots whose leaves it cannot see until those leaves may have expired', () => {
  const ts = scheduler();
  const C = { ...fakeRoot('cc', 0), leavesValidUntil: 500 };
  ts.run(({ expectObservable }) => {
    // Saved state: C retired earlier (its leaves valid until 500), A active (its leaves unknown: a TTL from now).
    const authority = ca(ts, createFakeIssuer(), { state: { ...fakeState(A), roots: [C, A] }, restored: true });
    ts.schedule(() => authority.activateRoot(B), 100);
    expectObservable(authority.roots$, '^ 1500ms !').toBe('a 99ms b 399ms c 499ms d', {
      a: bundle('aa', C, A),
      b: bundle('bb', C, A, B),
      c: bundle('bb', A, B),
      d: bundle('bb', B),
    });
  });
});

test('close() stops the retention timer; nothing is left scheduled', () => {
  const ts = scheduler();
  let pending = -1;
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, createFakeIssuer(), { restored: true });
    ts.schedule(() => authority.activateRoot(B), 100);
    ts.schedule(() => void authority.close(), 200);
    ts.schedule(() => (pending = ts.actions.length), 201);
    expectObservable(authority.roots$).toBe('a 99ms b 99ms |', { a: bundle('aa', A), b: bundle('bb', A, B) });
  });
  assert.equal(pending, 0);
});

test('activating a root already in the bundle is refused and changes nothing', () => {
  const ts = scheduler();
  ts.run(() => {
    const authority = ca(ts, createFakeIssuer());
    assert.throws(() => authority.activateRoot(A), /already in the trust bundle/);
    assert.deepEqual(authority.roots(), bundle('aa', A));
  });
});
