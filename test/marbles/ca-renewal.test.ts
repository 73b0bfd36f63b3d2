import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { CertificateAuthority, type CertificateAuthorityOptions } from '../../src/sources/ca/certificate-authority.js';
import { CaError, DEFAULT_LEAF_TTL_MS } from '../../src/sources/ca/ca-types.js';
import { serviceNameProblem } from '../../src/sources/ca/spiffe-id.js';
import { createFakeIssuer, fakeLeaf, fakeState, type FakeIssuer } from '../sources/ca/fake-issuer.js';

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

function ca(ts: TestScheduler, issuer: FakeIssuer, over: Partial<CertificateAuthorityOptions> = {}): CertificateAuthority {
  return new CertificateAuthority({ state: fakeState(), issuer, scheduler: ts, random: () => 0.5, leafTtlMs: 1000, graceMs: 100, ...over });
}

test('a leaf is issued at once and renewed at 60% + 30% x random of its life (random 0.5: at 75%), each before expiry', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  ts.run(({ expectObservable }) => {
    // Leaf 1 valid [0, 1000): renewed at 750; leaf 2 valid [750, 1750): renewed at 1500.
    expectObservable(ca(ts, issuer).leaf$('web'), '^ 1600ms !').toBe('a 749ms b 749ms c', {
      a: fakeLeaf('web', 1, 'aa', 0, 1000),
      b: fakeLeaf('web', 2, 'aa', 750, 1000),
      c: fakeLeaf('web', 3, 'aa', 1500, 1000),
    });
  });
});

test('the window ends are exact: random 0 renews at 60%, random just below 1 before 90%', () => {
  for (const [random, at] of [[0, 600], [0.9999, 899]] as const) {
    const ts = scheduler();
    const issuer = createFakeIssuer();
    ts.run(({ expectObservable }) => {
      expectObservable(ca(ts, issuer, { random: () => random }).leaf$('web'), `^ ${at + 10}ms !`).toBe(`a ${at - 1}ms b`, {
        a: fakeLeaf('web', 1, 'aa', 0, 1000),
        b: fakeLeaf('web', 2, 'aa', at, 1000),
      });
    });
  }
});

test('each leaf draws its own jitter: renewals follow the random sequence', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  const draws = [0, 1 / 3, 2 / 3];
  let i = 0;
  ts.run(({ expectObservable }) => {
    // Lives of 1000: renewals after 600, 700, 800 ms.
    expectObservable(ca(ts, issuer, { random: () => draws[i++ % draws.length]! }).leaf$('web'), '^ 2200ms !').toBe('a 599ms b 699ms c 799ms d', {
      a: fakeLeaf('web', 1, 'aa', 0, 1000),
      b: fakeLeaf('web', 2, 'aa', 600, 1000),
      c: fakeLeaf('web', 3, 'aa', 1300, 1000),
      d: fakeLeaf('web', 4, 'aa', 2100, 1000),
    });
  });
});

test('the default TTL is 72 h and, with random 0.5, the leaf is renewed after 54 h', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  ts.run(({ expectObservable }) => {
    const authority = new CertificateAuthority({ state: fakeState(), issuer, scheduler: ts, random: () => 0.5 });
    expectObservable(authority.leaf$('web'), '^ 3241m !').toBe('a 3239m 59s 999ms b', {
      a: fakeLeaf('web', 1, 'aa', 0, DEFAULT_LEAF_TTL_MS),
      b: fakeLeaf('web', 2, 'aa', 54 * 3_600_000, DEFAULT_LEAF_TTL_MS),
    });
  });
  assert.equal(issuer.requests[0]!.validBefore - issuer.requests[0]!.validAfter, 72 * 3_600_000);
});

test('subscribers of one service share one leaf and one renewal timer', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, issuer);
    const a = fakeLeaf('web', 1, 'aa', 0, 1000);
    const b = fakeLeaf('web', 2, 'aa', 750, 1000);
    expectObservable(authority.leaf$('web'), '^ 800ms !').toBe('a 749ms b', { a, b });
    expectObservable(authority.leaf$('web'), '100ms ^ 700ms !').toBe('100ms a 649ms b', { a, b });
  });
  assert.equal(issuer.requests.length, 2, 'one issue at start, one renewal');
});

test('a resubscription within the grace period keeps the stream; after it, the cached leaf is reused until renewal is due', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, issuer);
    const a = fakeLeaf('web', 1, 'aa', 0, 1000);
    expectObservable(authority.leaf$('web'), '^ 50ms !').toBe('a', { a });
    // 100 ms grace: resubscribing at 120 finds the same stream (no issue), at 400 a new one fed from the cache.
    expectObservable(authority.leaf$('web'), '120ms ^ 10ms !').toBe('120ms a', { a });
    expectObservable(authority.leaf$('web'), '400ms ^ 400ms !').toBe('400ms a 349ms b', { a, b: fakeLeaf('web', 2, 'aa', 750, 1000) });
  });
  assert.equal(issuer.requests.length, 2);
});

test('a failed signing is retried with back-off on the scheduler', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  issuer.failing = new Set([0, 1]);
  ts.run(({ expectObservable }) => {
    // Attempts at 0 (fails), 10 (fails), 30 (succeeds): back-off 10, then 20.
    const authority = ca(ts, issuer, { retryMinMs: 10, retryMaxMs: 1000 });
    expectObservable(authority.leaf$('web'), '^ 100ms !').toBe('30ms a', { a: fakeLeaf('web', 1, 'aa', 30, 1000) });
  });
  assert.equal(issuer.requests.length, 3);
});

test('a bad service name is an error, not a leaf', () => {
  const ts = scheduler();
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, createFakeIssuer());
    expectObservable(authority.leaf$('web/../api')).toBe('#', undefined, new CaError(serviceNameProblem('web/../api')!));
  });
});

test('teardown: when the last subscriber leaves, the renewal timer goes after the grace period; no timer is left', () => {
  const ts = scheduler();
  const issuer = createFakeIssuer();
  let pendingDuringGrace = -1;
  let pendingAfterGrace = -1;
  ts.run(({ expectObservable }) => {
    expectObservable(ca(ts, issuer).leaf$('web'), '^ 200ms !').toBe('a', { a: fakeLeaf('web', 1, 'aa', 0, 1000) });
    ts.schedule(() => (pendingDuringGrace = ts.actions.length), 250);
    ts.schedule(() => (pendingAfterGrace = ts.actions.length), 320);
  });
  assert.ok(pendingDuringGrace >= 2, 'the grace and renewal timers run during the grace period');
  assert.equal(pendingAfterGrace, 0, 'nothing is scheduled after the grace period');
  assert.equal(issuer.requests.length, 1);
});

test('close() completes leaf streams and leaves no timer', () => {
  const ts = scheduler();
  let pending = -1;
  ts.run(({ expectObservable }) => {
    const authority = ca(ts, createFakeIssuer());
    expectObservable(authority.leaf$('web')).toBe('a 99ms |', { a: fakeLeaf('web', 1, 'aa', 0, 1000) });
    ts.schedule(() => void authority.close(), 100);
    ts.schedule(() => (pending = ts.actions.length), 101);
  });
  assert.equal(pending, 0);
});
