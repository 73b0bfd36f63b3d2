import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { asyncScheduler, BehaviorSubject, ReplaySubject, Subject } from 'rxjs';
import { createProbes, runHealthChecks, type CheckSpec, type HealthEvent, type TtlUpdate } from '../../../src/sources/health/index.js';
import { waitFor } from '../../support/wait.js';

const noFloors = { minIntervalMs: 0, minDeregisterAfterMs: 0 };

test('real probes: an HTTP check follows its server from passing to critical and back', async (t) => {
  let code = 200;
  const server = http.createServer((_req, res) => res.writeHead(code).end(`code ${code}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;

  const checks$ = new BehaviorSubject<ReadonlyMap<string, CheckSpec>>(
    new Map([['service:web-1', { type: 'http', checkId: 'service:web-1', serviceId: 'web-1', http: url, intervalMs: 20 }]]),
  );
  const events = new ReplaySubject<HealthEvent>();
  const sub = runHealthChecks(checks$, { scheduler: asyncScheduler, probes: createProbes(), limits: noFloors }).subscribe(events);
  t.after(() => sub.unsubscribe());

  const statusIs = (s: string) => (e: HealthEvent) => e.type === 'status' && e.status === s;
  const first = await waitFor(events, statusIs('passing'), 'passing');
  assert.deepEqual(first, { type: 'status', checkId: 'service:web-1', serviceId: 'web-1', status: 'passing', output: `HTTP GET ${url}: 200 OK Output: code 200` });
  code = 500;
  await waitFor(events, statusIs('critical'), 'critical');
  code = 429;
  await waitFor(events, statusIs('warning'), 'warning');
});

test('real probes: a TTL check expires, and an update brings it back', async (t) => {
  const checks$ = new BehaviorSubject<ReadonlyMap<string, CheckSpec>>(
    new Map([['service:job-1', { type: 'ttl', checkId: 'service:job-1', serviceId: 'job-1', ttlMs: 60 }]]),
  );
  const ttl$ = new Subject<TtlUpdate>();
  const events = new ReplaySubject<HealthEvent>();
  const sub = runHealthChecks(checks$, { scheduler: asyncScheduler, probes: createProbes(), ttlUpdates$: ttl$, limits: noFloors }).subscribe(events);
  t.after(() => sub.unsubscribe());

  ttl$.next({ checkId: 'service:job-1', status: 'passing', output: 'alive' });
  await waitFor(events, (e) => e.type === 'status' && e.status === 'passing', 'passing');
  await waitFor(events, (e) => e.type === 'status' && e.status === 'critical', 'expiry');
  // An update after expiry brings it back.
  ttl$.next({ checkId: 'service:job-1', status: 'warning', output: 'slow' });
  const back = await waitFor(events, (e) => e.type === 'status' && e.status === 'warning', 'warning');
  assert.deepEqual(back, { type: 'status', checkId: 'service:job-1', serviceId: 'job-1', status: 'warning', output: 'slow' });
});
