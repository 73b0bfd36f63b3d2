// The per-type Delta services (DeltaClusters, DeltaEndpoints, ...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/core/type-urls.js';
import type { ResourceMessage } from '../../src/core/resource.js';
import { apiListener, cluster, endpoints, routeConfig, secret } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import type { XdsService } from '../support/xds-client.js';
import { carries } from '../support/xds-responses.js';

const PER_TYPE: Array<[XdsService, string, ResourceMessage]> = [
  ['cds', TypeUrl.Cluster, cluster('c')],
  ['eds', TypeUrl.ClusterLoadAssignment, endpoints('c', [1])],
  ['lds', TypeUrl.Listener, apiListener('l', 'r')],
  ['rds', TypeUrl.RouteConfiguration, routeConfig('r', ['x'], 'c')],
  ['sds', TypeUrl.Secret, secret('s')],
];

for (const [service, typeUrl, message] of PER_TYPE) {
  test(`Delta per-type service ${service.toUpperCase()} serves its type, reports missing names, ignores ACKs`, async (t) => {
    const h = await XdsHarness.start();
    t.after(() => h.close());
    h.publish('n1', PER_TYPE.map(([, , m]) => m));
    const c = h.delta('n1', { service });
    c.subscribe(typeUrl, [h.res(message).name, 'missing']);
    const r = await c.nextOf(typeUrl);
    assert.ok(carries(r, h.res(message)));
    assert.deepEqual(r.removedResources, ['missing']);
    c.ack(r);
    await c.expectNoResponse();
  });
}
