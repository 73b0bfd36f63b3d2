import { test } from 'node:test';
import assert from 'node:assert/strict';
import { of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { runHealthChecks } from '../../src/sources/health/run-health-checks.js';
import type { CheckSpec, HealthEvent, ProbeResult, Probes, TcpCheckSpec } from '../../src/sources/health/check-spec.js';

const passing: ProbeResult = { status: 'passing', output: 'TCP connect 127.0.0.1:9: Success' };
const critical: ProbeResult = { status: 'critical', output: 'dial tcp 127.0.0.1:9: connection refused' };

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** Probes whose TCP answers come from a script (one per call; the last repeats), recording call times. */
function scriptedProbes(ts: TestScheduler, script: (ProbeResult | Observable<ProbeResult>)[], calls: number[]): Probes {
  const unused = () => {
    throw new Error('unexpected probe');
  };
  return {
    http: unused,
    grpc: unused,
    tcp: () => {
      calls.push(ts.now());
      const r = script[Math.min(calls.length - 1, script.length - 1)]!;
      return 'status' in r ? of(r) : r;
    },
  };
}

const tcp = (over: Partial<TcpCheckSpec> = {}): TcpCheckSpec => ({
  type: 'tcp', checkId: 'service:db-1', serviceId: 'db-1', tcp: '127.0.0.1:9', intervalMs: 10, ...over,
});
const set = (...specs: CheckSpec[]): ReadonlyMap<string, CheckSpec> => new Map(specs.map((s) => [s.checkId, s]));
const ev = (r: ProbeResult, checkId = 'service:db-1'): HealthEvent => ({ type: 'status', checkId, serviceId: 'db-1', ...r });
const noFloors = { minIntervalMs: 0, minDeregisterAfterMs: 0 };

test('probes at once and every Interval; emits only when status or output changes', () => {
  const ts = scheduler();
  const calls: number[] = [];
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(tcp()) });
    const probes = scriptedProbes(ts, [passing, passing, critical, critical, passing], calls);
    const out$ = runHealthChecks(checks$, { scheduler: ts, probes, limits: noFloors });
    // initial state is critical with no output: the first passing result is a change; the 2nd is not.
    expectObservable(out$, '^ 45ms !').toBe('p 19ms c 19ms q', { p: ev(passing), c: ev(critical), q: ev(passing) });
    expectSubscriptions(checks$.subscriptions).toBe('^ 45ms !');
  });
  assert.deepEqual(calls, [0, 10, 20, 30, 40]);
});

test('a probe slower than its timeout is critical and the next probe starts one Interval later', () => {
  const ts = scheduler();
  const calls: number[] = [];
  ts.run(({ hot, cold, expectObservable }) => {
    const slow = cold<ProbeResult>('-----(a|)', { a: passing });
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(tcp({ timeoutMs: 3 })) });
    const probes = scriptedProbes(ts, [slow, passing], calls);
    const out$ = runHealthChecks(checks$, { scheduler: ts, probes, limits: noFloors });
    expectObservable(out$, '^ 20ms !').toBe('---t 9ms p', {
      t: ev({ status: 'critical', output: 'TCP connect 127.0.0.1:9: timed out after 3 ms' }),
      p: ev(passing),
    });
  });
  assert.deepEqual(calls, [0, 13]);
});

test('a probe that throws is critical with the error as output', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(tcp()) });
    const probes: Probes = {
      http: () => of(passing),
      grpc: () => of(passing),
      tcp: () => {
        throw new Error('boom');
      },
    };
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes, limits: noFloors }), '^ 30ms !').toBe('e', {
      e: ev({ status: 'critical', output: 'TCP connect 127.0.0.1:9: boom' }),
    });
  });
});

test('a removed check stops probing; a changed definition restarts it keeping its status', () => {
  const ts = scheduler();
  const calls: number[] = [];
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a 24ms b 19ms c', {
      a: set(tcp()),
      b: set(tcp({ intervalMs: 7, status: 'critical' })), // new interval; the status field is ignored for a running check
      c: set(),
    });
    const probes = scriptedProbes(ts, [passing], calls);
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes, limits: noFloors }), '^ 80ms !').toBe('p', { p: ev(passing) });
  });
  // 0, 10, 20 on the first definition; 25, 32, 39 on the second; none after removal at 45.
  assert.deepEqual(calls, [0, 10, 20, 25, 32, 39]);
});

test("Consul's floor: an Interval under 1 s is raised to 1 s", () => {
  const ts = scheduler();
  const calls: number[] = [];
  ts.run(({ hot, expectObservable }) => {
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(tcp({ intervalMs: 10 })) });
    const probes = scriptedProbes(ts, [passing], calls);
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes }), '^ 2500ms !').toBe('p', { p: ev(passing) });
  });
  assert.deepEqual(calls, [0, 1000, 2000]);
});

test('checks run independently and report under their own IDs', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const a = tcp();
    const b = tcp({ checkId: 'service:db-1:2', tcp: '127.0.0.1:10', intervalMs: 5 });
    const checks$ = hot<ReadonlyMap<string, CheckSpec>>('a', { a: set(a, b) });
    const probes: Probes = {
      http: () => of(passing),
      grpc: () => of(passing),
      tcp: (s) => of(s.tcp.endsWith(':10') ? critical : passing),
    };
    expectObservable(runHealthChecks(checks$, { scheduler: ts, probes, limits: noFloors }), '^ 30ms !').toBe('(xy)', {
      x: ev(passing),
      y: ev(critical, 'service:db-1:2'),
    });
  });
});
