// End to end: a service-router written through the HTTP API sends RPCs carrying `x-canary: true` to the
// canary subset and everything else to the default subset, for a real grpc-js-xds client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshUnderTest, tally } from './mesh-under-test.js';

let mesh: MeshUnderTest;

before(async () => {
  mesh = await MeshUnderTest.start();
  mesh.useAsGrpcXdsServer('e2e-header-client');
  (await import('@grpc/grpc-js-xds')).register();
});

after(() => mesh.close());

test('header-based routing to a subset: x-canary: true reaches only canary, the rest only stable', async () => {
  const stable = await mesh.backend('stable');
  const canary = await mesh.backend('canary');
  await mesh.register({ Name: 'echo', ID: 'echo-stable', Address: '127.0.0.1', Port: stable.port, Tags: ['stable'] });
  await mesh.register({ Name: 'echo', ID: 'echo-canary', Address: '127.0.0.1', Port: canary.port, Tags: ['canary'] });
  await mesh.config({ Kind: 'service-defaults', Name: 'echo', Protocol: 'grpc' });
  await mesh.config({
    Kind: 'service-resolver',
    Name: 'echo',
    DefaultSubset: 'stable',
    Subsets: { stable: { Filter: 'stable in Service.Tags' }, canary: { Filter: 'canary in Service.Tags' } },
  });
  await mesh.config({
    Kind: 'service-router',
    Name: 'echo',
    Routes: [{ Match: { HTTP: { Header: [{ Name: 'x-canary', Exact: 'true' }] } }, Destination: { ServiceSubset: 'canary' } }],
  });

  const client = mesh.client('xds:///echo');
  // The router arrives with the rest of the configuration; wait until the header is routed.
  await client.until((a) => a.includes('canary'), 'the canary route in force', { headers: { 'x-canary': 'true' } });
  const withHeader = await Promise.all(Array.from({ length: 100 }, () => client.call({ 'x-canary': 'true' })));
  const without = await Promise.all(Array.from({ length: 100 }, () => client.call()));
  const otherValue = await Promise.all(Array.from({ length: 50 }, () => client.call({ 'x-canary': 'false' })));
  assert.deepEqual(tally(withHeader), tally(Array(100).fill('canary')));
  assert.deepEqual(tally(without), tally(Array(100).fill('stable')));
  assert.deepEqual(tally(otherValue), tally(Array(50).fill('stable')));
});
