// The per-type SotW services (StreamClusters, StreamEndpoints, ...) and grpc.health.v1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { grpcServiceDefinition } from '../../src/core/grpc-service.js';
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus, type HealthCheckResponse } from '../../src/gen/grpc/health/v1/health_pb.js';
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
  test(`SotW per-type service ${service.toUpperCase()} serves its type and is told apart from ACKs`, async (t) => {
    const h = await XdsHarness.start();
    t.after(() => h.close());
    h.publish('n1', PER_TYPE.map(([, , m]) => m));
    const c = h.sotw('n1', { service });
    const name = h.res(message).name;
    c.subscribe(typeUrl, [name]);
    const r = await c.nextOf(typeUrl);
    assert.ok(carries(r, h.res(message)));
    c.ack(r);
    await c.expectNoResponse();
  });
}

test('grpc.health.v1.Health/Check says SERVING', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const Ctor = grpc.makeGenericClientConstructor(grpcServiceDefinition(Health), Health.typeName);
  const client = new Ctor(`127.0.0.1:${h.port}`, grpc.credentials.createInsecure());
  t.after(() => client.close());
  const check = (client as unknown as Record<string, Function>)['check']!;
  const resp = await new Promise<HealthCheckResponse>((resolve, reject) =>
    check.call(client, create(HealthCheckRequestSchema, { service: '' }), (err: grpc.ServiceError | null, r: HealthCheckResponse) => (err ? reject(err) : resolve(r))),
  );
  assert.equal(resp.status, HealthCheckResponse_ServingStatus.SERVING);
});
