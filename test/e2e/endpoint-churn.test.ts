// End to end: instances registered or deregistered through the HTTP API gain or lose the traffic of a real
// grpc-js-xds client within 1 s.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshUnderTest, tally } from './mesh-under-test.js';

let mesh: MeshUnderTest;

before(async () => {
  mesh = await MeshUnderTest.start();
  mesh.useAsGrpcXdsServer('e2e-churn-client');
  (await import('@grpc/grpc-js-xds')).register();
});

after(() => mesh.close());

test('a newly registered instance gets traffic within 1 s; a deregistered one stops getting it within 1 s', async () => {
  const one = await mesh.backend('one');
  const two = await mesh.backend('two');
  await mesh.register({ Name: 'echo', ID: 'echo-1', Address: '127.0.0.1', Port: one.port });
  const client = mesh.client('xds:///echo');
  await client.until((a) => a.length >= 10 && a.every((x) => x === 'one'), 'traffic on the only instance');

  const load = client.load(4);
  try {
    const registeredAt = Date.now();
    await mesh.register({ Name: 'echo', ID: 'echo-2', Address: '127.0.0.1', Port: two.port });
    await client.until((a) => a.includes('two'), 'the new instance reached', { max: 100_000 });
    const firstNew = Math.min(...load.answers.filter((a) => a.name === 'two').map((a) => a.at), Date.now());
    assert.ok(firstNew - registeredAt < 1000, `the new instance got traffic ${firstNew - registeredAt} ms after its registration`);

    const deregisteredAt = Date.now();
    await mesh.deregister('echo-1');
    // Keep calling a little beyond the bound, then look at which calls started after it still reached `one`.
    await client.until(() => Date.now() > deregisteredAt + 1300, 'calls beyond the bound', { max: 1_000_000 });
    const late = load.answers.filter((a) => a.name === 'one' && a.at > deregisteredAt + 1000);
    assert.deepEqual(late, [], `calls started over 1 s after the deregistration reached the removed instance (${late.length})`);
    assert.ok(load.answers.some((a) => a.name === 'two' && a.at > deregisteredAt + 1000), 'traffic continued on the remaining instance');
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures, [], `no RPC failed (${load.answers.length} RPCs: ${tally(load.answers.map((a) => a.name))})`);
});
