import { test } from 'node:test';
import assert from 'node:assert/strict';
import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { runHealthChecks } from '../../src/sources/health/run-health-checks.js';
import type { CheckSpec, HealthEvent, Probes, TtlCheckSpec, TtlUpdate } from '../../src/sources/health/check-spec.js';

const probes: Probes = {
  http: () => of({ status: 'passing', output: '' }),
  tcp: () => of({ status: 'passing', output: '' }),
  grpc: () => of({ status: 'passing', output: '' }),
};
const ttl = (over: Partial<TtlCheckSpec> = {}): TtlCheckSpec => ({ type: 'ttl', checkId: 'service:web-1', serviceId: 'web-1', ttlMs: 50, ...over });
const set = (...specs: CheckSpec[]): ReadonlyMap<string, CheckSpec> => new Map(specs.map((s) => [s.checkId, s]));
const status = (s: 'passing' | 'warning' | 'critical', output: string): HealthEvent => ({ type: 'status', checkId: 'service:web-1', serviceId: 'web-1', status: s, output });
const scheduler = () => new TestScheduler((a, e) => assert.deepEqual(a, e));

test('a TTL check starts critical and, never updated, expires with "TTL expired" after its TTL', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(ttl()) });
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes }), '^ 200ms !').toBe('50ms x', {
      x: status('critical', 'TTL expired'),
    });
  });
});

test('pass/warn/fail set the status and output (the note) and reset the timer; expiry keeps the last note', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(ttl()) });
    const updates$ = hot<TtlUpdate>('10ms p 29ms p 29ms w 99ms f', {
      p: { checkId: 'service:web-1', status: 'passing', output: '' },
      w: { checkId: 'service:web-1', status: 'warning', output: 'disk 91%' },
      f: { checkId: 'service:web-1', status: 'critical', output: 'down' },
    });
    // t10 pass; t40 pass again (no change, timer reset); t70 warn; TTL 50 after the warn: t120 expired;
    // t170 fail (a change of output).
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes, ttlUpdates$: updates$ }), '^ 300ms !').toBe(
      '10ms p 59ms w 49ms x 49ms f 49ms y',
      {
        p: status('passing', ''),
        w: status('warning', 'disk 91%'),
        x: status('critical', 'TTL expired (last output before timeout follows): disk 91%'),
        f: status('critical', 'down'),
        y: status('critical', 'TTL expired (last output before timeout follows): down'),
      },
    );
  });
});

test('updates for unknown checks and for non-TTL checks are ignored', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const tcp: CheckSpec = { type: 'tcp', checkId: 'service:db-1', serviceId: 'db-1', tcp: '127.0.0.1:9', intervalMs: 1000 };
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(ttl({ ttlMs: 500 }), tcp) });
    const updates$ = hot<TtlUpdate>('--a-b', {
      a: { checkId: 'service:nope', status: 'passing' },
      b: { checkId: 'service:db-1', status: 'critical', output: 'forced' },
    });
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes, ttlUpdates$: updates$ }), '^ 100ms !').toBe('a', {
      a: { type: 'status', checkId: 'service:db-1', serviceId: 'db-1', status: 'passing', output: '' },
    });
  });
});

test('a TTL check restored with a passing status keeps it until it expires', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(ttl({ status: 'passing', output: 'ok' })) });
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes }), '^ 100ms !').toBe('50ms x', {
      x: status('critical', 'TTL expired'),
    });
  });
});
