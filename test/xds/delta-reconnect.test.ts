// Delta reconnect with initial_resource_versions: nothing unchanged is resent, what changed is sent,
// what was deleted meanwhile is reported in removed_resources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeltaDiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import type { DeltaClient } from '../support/xds-client.js';
import { describe } from '../support/xds-responses.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

function versions(r: DeltaDiscoveryResponse): Record<string, string> {
  return Object.fromEntries(r.resources.map((x) => [x.name, x.version]));
}

/** ACKs responses until `updated` were all sent and `removed` all reported; returns the log. */
async function collect(c: DeltaClient, updated: string[], removed: string[]): Promise<DeltaDiscoveryResponse[]> {
  const log: DeltaDiscoveryResponse[] = [];
  const has = () =>
    updated.every((n) => log.some((r) => r.resources.some((x) => x.name === n))) &&
    removed.every((n) => log.some((r) => r.removedResources.includes(n)));
  while (!has()) log.push(await c.nextAcked());
  return log;
}

test('Delta reconnect (named): unchanged not resent, changed sent, deleted reported', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [2]), endpoints('c', [3])]);
  const first = h.delta('n1');
  first.subscribe(EDS, ['a', 'b', 'c']);
  const held = versions(await first.nextAcked(EDS));
  assert.deepEqual(Object.keys(held).sort(), ['a', 'b', 'c']);
  first.close();

  h.publish('n1', [endpoints('a', [1]), endpoints('b', [20])]); // b changed, c deleted, a as it was
  const again = h.delta('n1');
  again.subscribe(EDS, ['a', 'b', 'c'], { initialResourceVersions: held });
  const log = await collect(again, ['b'], ['c']);
  const trace = log.map(describe).join('; ');
  assert.ok(!log.some((r) => r.resources.some((x) => x.name === 'a')), `a was unchanged and must not be resent: ${trace}`);
  assert.ok(log.some((r) => r.resources.some((x) => x.name === 'b' && x.version === h.res(endpoints('b', [20])).version)));
});

test('Delta reconnect (wildcard): unchanged not resent, new and changed sent, deleted reported', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b'), cluster('c')]);
  const first = h.delta('n1');
  first.subscribe(CDS, ['*']);
  const held = versions(await first.nextAcked(CDS));
  first.close();

  h.publish('n1', [cluster('a'), cluster('b', { connectTimeoutSeconds: 1 }), cluster('d')]);
  const again = h.delta('n1');
  again.subscribe(CDS, ['*'], { initialResourceVersions: held });
  const log = await collect(again, ['b', 'd'], ['c']);
  const trace = log.map(describe).join('; ');
  assert.ok(!log.some((r) => r.resources.some((x) => x.name === 'a')), `a must not be resent: ${trace}`);
});

test('Delta reconnect with nothing changed: nothing is resent, and later changes flow', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b')]);
  const first = h.delta('n1');
  first.subscribe(CDS, ['*']);
  const held = versions(await first.nextAcked(CDS));
  first.close();

  const again = h.delta('n1');
  again.subscribe(CDS, ['*'], { initialResourceVersions: held });
  const early = await again.maybeNext(); // an empty answer is allowed; resources or removals are not
  if (early) {
    assert.equal(early.resources.length + early.removedResources.length, 0, `nothing to send: ${describe(early)}`);
    again.ack(early);
  }
  h.publish('n1', [cluster('a'), cluster('b', { connectTimeoutSeconds: 12 })]);
  const r = await again.nextAcked(CDS);
  assert.deepEqual(r.resources.map((x) => x.name), ['b']);
});

test('Delta: resource versions are content hashes: equal on a restarted server, different for changed content', async (t) => {
  const versionFrom = async (message: ReturnType<typeof cluster>) => {
    const h = await XdsHarness.start();
    try {
      h.publish('n1', [message]);
      const c = h.delta('n1');
      c.subscribe(CDS, ['a']);
      return (await c.nextOf(CDS)).resources[0]?.version;
    } finally {
      await h.close();
    }
  };
  const v1 = await versionFrom(cluster('a'));
  assert.equal(await versionFrom(cluster('a')), v1, 'same content, same version, across restarts');
  assert.notEqual(await versionFrom(cluster('a', { connectTimeoutSeconds: 1 })), v1);
});
