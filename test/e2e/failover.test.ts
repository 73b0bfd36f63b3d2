// End to end: a service-resolver with Failover; when every primary instance's TTL check is failed through
// the HTTP API, a real grpc-js-xds client moves to the failover service without a single failed RPC, and
// moves back when they pass again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshUnderTest, lastAll, tally, unrefLongTimers } from './mesh-under-test.js';

let mesh: MeshUnderTest;

before(async () => {
  mesh = await MeshUnderTest.start();
  mesh.useAsGrpcXdsServer('e2e-failover-client');
  unrefLongTimers(); // failover deactivates a priority: grpc-js-xds would keep this process alive 15 minutes
  (await import('@grpc/grpc-js-xds')).register();
});

after(() => mesh.close());

test('failover when the primary instances turn critical (TTL fail): traffic moves, no RPC fails', async () => {
  const primaryA = await mesh.backend('primary-a');
  const primaryB = await mesh.backend('primary-b');
  const dr = await mesh.backend('dr');
  const ttl = { TTL: '10m' };
  await mesh.register({ Name: 'echo', ID: 'echo-a', Address: '127.0.0.1', Port: primaryA.port, Check: ttl });
  await mesh.register({ Name: 'echo', ID: 'echo-b', Address: '127.0.0.1', Port: primaryB.port, Check: ttl });
  await mesh.register({ Name: 'echo-dr', ID: 'echo-dr-1', Address: '127.0.0.1', Port: dr.port });
  await mesh.config({ Kind: 'service-defaults', Name: 'echo', Protocol: 'grpc' });
  await mesh.config({ Kind: 'service-defaults', Name: 'echo-dr', Protocol: 'grpc' });
  await mesh.config({ Kind: 'service-resolver', Name: 'echo', Failover: { '*': { Service: 'echo-dr' } } });
  // A TTL check starts critical: until the primaries pass, the failover serves.
  const client = mesh.client('xds:///echo');
  await client.until(lastAll('dr', 5), 'the failover serving while the primaries are critical');
  await mesh.check('pass', 'service:echo-a');
  await mesh.check('pass', 'service:echo-b');
  await client.until((a) => a.slice(-20).every((x) => x.startsWith('primary')) && a.length >= 20, 'traffic on the primaries');

  const load = client.load(6);
  await mesh.check('fail', 'service:echo-a');
  await mesh.check('fail', 'service:echo-b');
  try {
    await client.until(lastAll('dr', 50), 'all traffic on the failover');
  } finally {
    await load.stop();
  }
  const names = load.answers.map((a) => a.name);
  assert.deepEqual(load.failures, [], `no RPC fails during the failover (${names.length} RPCs: ${tally(names)})`);
  assert.ok(names.some((n) => n.startsWith('primary')) && names.includes('dr'), `the load spanned the switch: ${tally(names)}`);

  // And back: the primaries pass again.
  const back = client.load(6);
  await mesh.check('pass', 'service:echo-a');
  try {
    await client.until(lastAll('primary-a', 50), 'traffic back on the healthy primary');
  } finally {
    await back.stop();
  }
  assert.deepEqual(back.failures, []);
});
