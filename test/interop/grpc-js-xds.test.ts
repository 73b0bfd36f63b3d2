// Interoperability with a real proxyless gRPC client (@grpc/grpc-js-xds): `xds:///echo` resolved through
// our server (SotW ADS: LDS -> RDS -> CDS -> EDS) routes real RPCs to real echo backends on loopback.
// grpc-js-xds reads its bootstrap once per process, so this file runs alone in its process (node:test
// gives every file its own), and the bootstrap is set before the package is imported.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceMessage } from '../../src/core/resource.js';
import { proxylessService, type ProxylessCluster } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import { EchoClient, startEchoBackend, type EchoBackend } from '../support/echo-backend.js';

const NODE_ID = 'interop-echo-client';
const TARGET = 'echo';

let h: XdsHarness;
let backendA: EchoBackend;
let backendB: EchoBackend;
const clients: EchoClient[] = [];

before(async () => {
  h = await XdsHarness.start();
  backendA = await startEchoBackend('A');
  backendB = await startEchoBackend('B');
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${h.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: NODE_ID, locality: {} },
  });
  const xdsPlugin = await import('@grpc/grpc-js-xds');
  xdsPlugin.register();
});

after(async () => {
  for (const c of clients) c.close();
  await h.close();
  await Promise.all([backendA.close(), backendB.close()]);
});

function publish(clusters: ProxylessCluster[]): void {
  const messages: ResourceMessage[] = proxylessService(TARGET, clusters);
  h.publish(NODE_ID, messages);
}

function echoClient(): EchoClient {
  const c = new EchoClient(`xds:///${TARGET}`);
  clients.push(c);
  return c;
}

/** Calls until `done` holds for the answers so far (each call must succeed); returns the answers. */
async function callUntil(c: EchoClient, done: (answers: string[]) => boolean, what: string, max = 2000): Promise<string[]> {
  const answers: string[] = [];
  while (!done(answers)) {
    if (answers.length >= max) throw new Error(`${what} not reached after ${max} RPCs: ${tally(answers)}`);
    answers.push(await c.call());
  }
  return answers;
}

function tally(answers: string[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  return JSON.stringify(Object.fromEntries(counts));
}

/** True once the last `n` answers are all `name`. */
const lastAll = (name: string, n: number) => (answers: string[]) =>
  answers.length >= n && answers.slice(-n).every((a) => a === name);

/**
 * Keeps `workers` RPCs in flight until stopped; records every answer and every failure. Used to show
 * that a configuration change moves traffic without failing a single RPC.
 */
function loadWhile(c: EchoClient, workers = 8) {
  const answers: string[] = [];
  const failures: string[] = [];
  let stopped = false;
  const running = Array.from({ length: workers }, async () => {
    while (!stopped) {
      try {
        answers.push(await c.call());
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
        await new Promise((resolve) => setImmediate(resolve)); // a fast-failing loop must not starve I/O
      }
    }
  });
  return {
    answers,
    failures,
    /** Resolves once the load itself has seen `predicate` hold: it is running on the configuration before a change. */
    async seen(predicate: (answers: readonly string[]) => boolean, what: string, ms = 5000): Promise<void> {
      const until = Date.now() + ms;
      while (!predicate(answers)) {
        if (Date.now() > until) throw new Error(`the load never saw ${what}: ${answers.length} RPCs, ${failures.length} failures`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}

test('LDS, RDS, CDS and EDS for xds:///echo route a real RPC to the echo backend', async () => {
  publish([{ name: 'echo-a', endpoints: [backendA.port] }]);
  const c = echoClient();
  assert.equal(await c.call(), 'A');
});

test('weighted clusters 80/20 move 1000 RPCs 80/20 (within 5 points)', async () => {
  publish([
    { name: 'echo-a', weight: 80, endpoints: [backendA.port] },
    { name: 'echo-b', weight: 20, endpoints: [backendB.port] },
  ]);
  const c = echoClient();
  await callUntil(c, (answers) => answers.includes('B'), 'the split (B reachable only through it)');
  const answers: string[] = [];
  for (let batch = 0; batch < 10; batch++) {
    answers.push(...(await Promise.all(Array.from({ length: 100 }, () => c.call()))));
  }
  const shareA = answers.filter((a) => a === 'A').length / answers.length;
  assert.ok(shareA >= 0.75 && shareA <= 0.85, `A got ${(shareA * 100).toFixed(1)}% of ${answers.length} RPCs: ${tally(answers)}`);
});

test('removing an endpoint moves traffic to the remaining one without a failed RPC', async () => {
  publish([{ name: 'echo-ab', endpoints: [backendA.port, backendB.port] }]);
  const c = echoClient();
  await callUntil(c, (answers) => answers.slice(-20).includes('A') && answers.slice(-20).includes('B'), 'both endpoints in use');
  const load = loadWhile(c);
  await load.seen((a) => a.includes('A') && a.includes('B'), 'both endpoints');
  publish([{ name: 'echo-ab', endpoints: [backendA.port] }]);
  try {
    await callUntil(c, lastAll('A', 50), 'all traffic on A');
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures, [], `no RPC fails during the move (${load.answers.length} RPCs: ${tally(load.answers)})`);
  assert.ok(load.answers.includes('B'), `the load overlapped the change: ${tally(load.answers)}`);
});

test('moving the route to a new cluster and deleting the old one fails no RPC (make-before-break)', async () => {
  publish([{ name: 'echo-x', endpoints: [backendA.port] }]);
  const c = echoClient();
  await callUntil(c, lastAll('A', 10), 'traffic on cluster echo-x (A)');
  const load = loadWhile(c);
  await load.seen((a) => a.includes('A'), 'cluster echo-x (A)');
  publish([{ name: 'echo-y', endpoints: [backendB.port] }]); // echo-x is gone from this snapshot
  try {
    await callUntil(c, lastAll('B', 50), 'all traffic on cluster echo-y (B)');
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures, [], `no RPC fails during the move (${load.answers.length} RPCs: ${tally(load.answers)})`);
  assert.ok(load.answers.includes('A'), `the load overlapped the change: ${tally(load.answers)}`);
});
