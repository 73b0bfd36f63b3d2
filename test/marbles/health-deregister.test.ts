import { test } from 'node:test';
import assert from 'node:assert/strict';
import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { runHealthChecks } from '../../src/sources/health/run-health-checks.js';
import type { CheckSpec, HealthEvent, HttpCheckSpec, ProbeResult, Probes, TtlUpdate } from '../../src/sources/health/check-spec.js';

const ok: ProbeResult = { status: 'passing', output: 'HTTP GET http://127.0.0.1:1/h: 200 OK Output: ok' };
const down: ProbeResult = { status: 'critical', output: 'HTTP GET http://127.0.0.1:1/h: 503 Service Unavailable Output: ' };
const warn: ProbeResult = { status: 'warning', output: 'HTTP GET http://127.0.0.1:1/h: 429 Too Many Requests Output: ' };

const http = (over: Partial<HttpCheckSpec> = {}): HttpCheckSpec => ({
  type: 'http', checkId: 'service:api-1', serviceId: 'api-1', http: 'http://127.0.0.1:1/h', intervalMs: 10,
  deregisterCriticalServiceAfterMs: 100, ...over,
});
const set = (...specs: CheckSpec[]): ReadonlyMap<string, CheckSpec> => new Map(specs.map((s) => [s.checkId, s]));
const st = (r: ProbeResult): HealthEvent => ({ type: 'status', checkId: 'service:api-1', serviceId: 'api-1', ...r });
const dereg: HealthEvent = { type: 'deregister', serviceId: 'api-1', checkId: 'service:api-1' };
const noFloors = { minIntervalMs: 0, minDeregisterAfterMs: 0 };
const scheduler = () => new TestScheduler((a, e) => assert.deepEqual(a, e));

function scripted(ts: TestScheduler, script: ProbeResult[]): Probes {
  let n = 0;
  const next = () => of(script[Math.min(n++, script.length - 1)]!);
  return { http: next, tcp: next, grpc: next };
}

test('a service whose check stays critical for DeregisterCriticalServiceAfter is deregistered, once', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(http()) });
    // critical from the start (initial state and every probe): deregister at 100, not again later.
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes: scripted(ts, [down]), limits: noFloors }), '^ 400ms !').toBe(
      'c 99ms d',
      { c: st(down), d: dereg },
    );
  });
});

test('a passing or warning result restarts the critical clock', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(http()) });
    // probes at 0 (down), 10 (ok), 20 (warn), 30.. (down): critical again from 30, deregistered at 130.
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes: scripted(ts, [down, ok, warn, down]), limits: noFloors }), '^ 300ms !').toBe(
      'c 9ms o 9ms w 9ms c 99ms d',
      { c: st(down), o: st(ok), w: st(warn), d: dereg },
    );
  });
});

test('a TTL check never updated is critical from registration: its service goes DeregisterCriticalServiceAfter later', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const spec: CheckSpec = { type: 'ttl', checkId: 'service:api-1', serviceId: 'api-1', ttlMs: 30, deregisterCriticalServiceAfterMs: 100 };
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(spec) });
    const updates$ = hot<TtlUpdate>('-');
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes: scripted(ts, [ok]), ttlUpdates$: updates$, limits: noFloors }), '^ 200ms !').toBe(
      '30ms x 69ms d',
      { x: { type: 'status', checkId: 'service:api-1', serviceId: 'api-1', status: 'critical', output: 'TTL expired' }, d: dereg },
    );
  });
});

test('a check removed before the deadline is not deregistered', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a 49ms b', { a: set(http()), b: set() });
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes: scripted(ts, [down]), limits: noFloors }), '^ 300ms !').toBe('c', { c: st(down) });
  });
});

test("Consul's floor: DeregisterCriticalServiceAfter under 1 minute is raised to 1 minute", () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(http({ intervalMs: 60_000 })) });
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes: scripted(ts, [down]) }), '^ 100s !').toBe('c 59999ms d', { c: st(down), d: dereg });
  });
});

test('node checks (no service) are never deregistered', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(http({ serviceId: undefined })) });
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes: scripted(ts, [down]), limits: noFloors }), '^ 300ms !').toBe('c', {
      c: { type: 'status', checkId: 'service:api-1', ...down },
    });
  });
});
