// End to end: a service-splitter written through the HTTP API moves 80/20 of 1000 real RPCs of a real
// grpc-js-xds client (xds:///echo) between two subsets, within 5 points.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshUnderTest, tally } from './mesh-under-test.js';

let mesh: MeshUnderTest;

before(async () => {
  mesh = await MeshUnderTest.start();
  mesh.useAsGrpcXdsServer('e2e-split-client');
  (await import('@grpc/grpc-js-xds')).register();
});

after(() => mesh.close());

test('splitter 80/20 over subsets: 1000 RPCs split 80/20 within 5 points', async () => {
  const v1 = await mesh.backend('v1');
  const v2 = await mesh.backend('v2');
  await mesh.register({ Name: 'echo', ID: 'echo-v1', Address: '127.0.0.1', Port: v1.port, Meta: { version: 'v1' } });
  await mesh.register({ Name: 'echo', ID: 'echo-v2', Address: '127.0.0.1', Port: v2.port, Meta: { version: 'v2' } });
  await mesh.config({ Kind: 'service-defaults', Name: 'echo', Protocol: 'grpc' });
  await mesh.config({
    Kind: 'service-resolver',
    Name: 'echo',
    DefaultSubset: 'v1',
    Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } },
  });
  await mesh.config({ Kind: 'service-splitter', Name: 'echo', Splits: [{ Weight: 80, ServiceSubset: 'v1' }, { Weight: 20, ServiceSubset: 'v2' }] });

  const client = mesh.client('xds:///echo');
  await client.until((a) => a.includes('v1') && a.includes('v2'), 'both subsets reached');
  const answers: string[] = [];
  for (let batch = 0; batch < 10; batch++) answers.push(...(await Promise.all(Array.from({ length: 100 }, () => client.call()))));
  const share = answers.filter((a) => a === 'v1').length / answers.length;
  assert.ok(share >= 0.75 && share <= 0.85, `v1 got ${(share * 100).toFixed(1)}% of ${answers.length} RPCs: ${tally(answers)}`);
});
