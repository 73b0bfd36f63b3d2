// End to end: two `rxds serve --store etcd` replicas run the health checks on one of them at a time (the
// leader of `health` in etcd). An HTTP backend counts the probes it gets: one per interval, not one per
// replica per interval. SIGKILL the leader: the other takes over within the lease TTL and the check still
// follows the backend. SIGTERM the leader: it resigns and the other takes over at once. TTL updates sent to
// the standby reach the leader's timer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { etcdForThisFile } from '../support/etcd-fixture.js';
import { startRxdsProcess, type RxdsProcess } from '../support/rxds-process.js';
import { withTimeout } from '../support/wait.js';

const etcdServer = etcdForThisFile();
const LEADER = 'leader: running health checks';
const STANDBY = 'standby: another replica runs them';

/** An HTTP backend that counts the probes it answers, healthy (200) or not (503) as told. */
async function probeCounter(): Promise<{ url: string; probes: number[]; healthy: boolean; next(): Promise<number>; close(): Promise<void> }> {
  const waiting: ((at: number) => void)[] = [];
  const state = {
    url: '',
    probes: [] as number[],
    healthy: true,
    next: () => new Promise<number>((resolve) => waiting.push(resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const at = Date.now();
    state.probes.push(at);
    res.writeHead(state.healthy ? 200 : 503).end(state.healthy ? 'ok' : 'down');
    for (const w of waiting.splice(0)) w(at);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  return state;
}

async function healthRole(p: RxdsProcess): Promise<string | undefined> {
  const res = await fetch(`${p.httpUrl}/v1/rxds/sources`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { Name: string; Detail?: string }[]).find((s) => s.Name === 'health')?.Detail;
}

/** Polls the replicas' `/v1/rxds/sources` until exactly one says it leads; returns [leader, standby]. */
async function roles(replicas: readonly RxdsProcess[], ms: number): Promise<[RxdsProcess, RxdsProcess]> {
  const deadline = Date.now() + ms;
  let seen: (string | undefined)[] = [];
  while (Date.now() < deadline) {
    seen = await Promise.all(replicas.map(healthRole));
    const leaders = replicas.filter((_, i) => seen[i] === LEADER);
    if (leaders.length === 1 && seen.every((r) => r === LEADER || r === STANDBY)) {
      return [leaders[0]!, replicas.find((r) => r !== leaders[0])!];
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no single health leader within ${ms} ms: ${JSON.stringify(seen)}`);
}

async function waitUntilLeads(p: RxdsProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await healthRole(p)) !== LEADER) {
    if (Date.now() > deadline) throw new Error(`the replica did not take over the health checks within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Check = { CheckID: string; Status: string };
/** Waits, through blocking queries on `p`, until the service's HTTP check has `status`. */
async function checkStatus(p: RxdsProcess, service: string, status: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let index = 0;
  for (;;) {
    const res = await fetch(`${p.httpUrl}/v1/health/service/${service}?index=${index}&wait=2s`);
    assert.equal(res.status, 200);
    index = Number(res.headers.get('x-consul-index'));
    const body = (await res.json()) as { Checks: Check[] }[];
    const check = body[0]?.Checks.find((c) => c.CheckID === `service:${service}-1`);
    if (check?.Status === status) return;
    if (Date.now() > deadline) throw new Error(`check of ${service} not ${status} within ${ms} ms (is ${check?.Status})`);
  }
}

const register = async (p: RxdsProcess, name: string, url: string) => {
  const res = await fetch(`${p.httpUrl}/v1/agent/service/register`, {
    method: 'PUT',
    body: JSON.stringify({ Name: name, ID: `${name}-1`, Address: '127.0.0.1', Port: 18090, Check: { HTTP: url, Interval: '1s' } }),
  });
  assert.equal(res.status, 200, await res.text());
};

test('one replica probes (one probe per interval, not two); SIGKILL it and the other takes over, following the backend', async () => {
  const backend = await probeCounter();
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint];
  const [a, b] = await Promise.all([startRxdsProcess(args), startRxdsProcess(args)]);
  try {
    const [leader, standby] = await roles([a, b], 10_000);
    assert.ok(leader.logs.some((l) => /running health checks/.test(String(l.msg))), 'the leader logged that it runs the checks');
    // Registered through the standby: the leader's runner picks the check up from the shared catalog.
    await register(standby, 'probed', backend.url);
    await withTimeout(backend.next(), 5000, 'the first probe');
    const from = backend.probes.length;
    const windowStart = Date.now();
    await new Promise((r) => setTimeout(r, 3200)); // an observation window: how many probes arrive in it
    const inWindow = backend.probes.length - from;
    assert.ok(inWindow >= 2 && inWindow <= 4, `about 3 probes in 3.2 s with a 1 s interval on one replica, got ${inWindow} (two replicas would give about 6)`);
    await checkStatus(standby, 'probed', 'passing', 5000);
    assert.ok(Date.now() - windowStart >= 3200);

    // The leader dies without resigning: its lease (5 s) expires, the standby takes over.
    const killedAt = Date.now();
    assert.equal(await leader.stop('SIGKILL'), 'SIGKILL');
    backend.healthy = false;
    const afterKill = backend.probes.length;
    await waitUntilLeads(standby, 9000);
    await withTimeout(backend.next(), 3000, 'a probe from the new leader');
    assert.ok(backend.probes.length > afterKill);
    // The new leader's probes reach the catalog: the backend fails, the check turns critical.
    await checkStatus(standby, 'probed', 'critical', 5000);
    assert.ok(Date.now() - killedAt < 5000 + 1000 + 3000, 'within the lease TTL + the interval (+ slack)');
    assert.ok(standby.logs.some((l) => /running health checks/.test(String(l.msg))), 'the survivor logged that it runs the checks now');
    // And it keeps following the backend.
    backend.healthy = true;
    await checkStatus(standby, 'probed', 'passing', 5000);
  } finally {
    const codes = await Promise.all([a.stop(), b.stop()]);
    assert.ok(codes.every((c) => c === 0 || c === 'SIGKILL'), `exit codes ${codes}`);
    await backend.close();
  }
});

test('a leader stopped cleanly (SIGTERM) resigns: the other takes over at once, well within the lease TTL', async () => {
  const backend = await probeCounter();
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint];
  const [a, b] = await Promise.all([startRxdsProcess(args), startRxdsProcess(args)]);
  try {
    const [leader, standby] = await roles([a, b], 10_000);
    await register(leader, 'resigned', backend.url);
    await withTimeout(backend.next(), 5000, 'the first probe');
    const stoppedAt = Date.now();
    assert.equal(await leader.stop('SIGTERM'), 0);
    assert.ok(leader.logs.some((l) => /stopped running health checks/.test(String(l.msg))), 'the leader logged that it stopped');
    await waitUntilLeads(standby, 2500); // the lease TTL is 5 s: only the resignation makes this
    assert.ok(Date.now() - stoppedAt < 2500);
    backend.healthy = false;
    await checkStatus(standby, 'resigned', 'critical', 5000);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await backend.close();
  }
});

test('TTL updates sent to the standby reach the leader\'s timer: the check stays passing, then expires when they stop', async () => {
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint];
  const [a, b] = await Promise.all([startRxdsProcess(args), startRxdsProcess(args)]);
  const pass = async (p: RxdsProcess) => {
    const res = await fetch(`${p.httpUrl}/v1/agent/check/pass/service:beat-1`, { method: 'PUT' });
    assert.equal(res.status, 200, await res.text());
  };
  try {
    const [leader, standby] = await roles([a, b], 10_000);
    const reg = await fetch(`${standby.httpUrl}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'beat', ID: 'beat-1', Address: '127.0.0.1', Port: 18091, Check: { TTL: '2s' } }),
    });
    assert.equal(reg.status, 200, await reg.text());
    await pass(standby);
    await checkStatus(leader, 'beat', 'passing', 5000);
    const beatCheck = async () => {
      const res = await fetch(`${leader.httpUrl}/v1/health/service/beat`);
      return ((await res.json()) as { Checks: (Check & { ModifyIndex: number })[] }[])[0]!.Checks.filter((c) => c.CheckID === 'service:beat-1');
    };
    const passingSince = (await beatCheck())[0]!.ModifyIndex;
    // Only the leader runs the TTL timer; the updates go to the standby, for well over the TTL.
    const until = Date.now() + 3500;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 400));
      await pass(standby);
    }
    const checks = await beatCheck();
    assert.deepEqual(checks.map((c) => [c.Status, c.ModifyIndex]), [['passing', passingSince]], 'never expired meanwhile');
    await checkStatus(standby, 'beat', 'critical', 5000); // the updates stopped: the leader's timer expires it
  } finally {
    assert.deepEqual(await Promise.all([a.stop(), b.stop()]), [0, 0]);
  }
});
