import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { HealthCheckRequestSchema, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus } from '../../src/gen/grpc/health/v1/health_pb.js';
import { RXDS_BIN, startRxdsProcess } from '../support/rxds-process.js';

test('rxds serve logs its chosen addresses, serves HTTP and gRPC, and exits 0 on SIGTERM', async () => {
  const rxds = await startRxdsProcess();
  try {
    assert.match(rxds.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${rxds.httpUrl}/v1/agent/services`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    assert.ok(Number(res.headers.get('x-consul-index')) >= 1);

    const status = await grpcHealthCheck(rxds.grpcAddr);
    assert.equal(status, HealthCheckResponse_ServingStatus.SERVING);
  } finally {
    assert.equal(await rxds.stop('SIGTERM'), 0);
  }
});

test('rxds serve keeps registrations in its data dir across restarts', async () => {
  const first = await startRxdsProcess();
  const dataDir = first.dataDir;
  const put = await fetch(`${first.httpUrl}/v1/agent/service/register`, {
    method: 'PUT',
    body: JSON.stringify({ Name: 'backend', ID: 'backend-1', Address: '127.0.0.1', Port: 50051 }),
  });
  assert.equal(put.status, 200);
  // SIGINT is a graceful stop too.
  first.child.kill('SIGINT');
  await new Promise((r) => first.child.once('exit', r));
  assert.equal(first.child.exitCode, 0);
  const second = await startRxdsProcess([], { dataDir });
  try {
    const services = (await (await fetch(`${second.httpUrl}/v1/agent/services`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(services), ['backend-1']);
  } finally {
    await second.stop();
    await first.stop();
  }
});

test('rxds serve --config applies the file: the example mesh is in the catalog and the file reports ok', async () => {
  const rxds = await startRxdsProcess(['--config', new URL('../../examples/mesh.yaml', import.meta.url).pathname]);
  try {
    const services = (await (await fetch(`${rxds.httpUrl}/v1/catalog/services`)).json()) as Record<string, string[]>;
    assert.ok('backend' in services && 'frontend' in services, JSON.stringify(services));
    const sources = (await (await fetch(`${rxds.httpUrl}/v1/rxds/sources`)).json()) as Array<{ Name: string; State: string }>;
    const file = sources.find((s) => s.Name.startsWith('file:') && s.Name.endsWith('examples/mesh.yaml'));
    assert.equal(file?.State, 'ok');
  } finally {
    assert.equal(await rxds.stop(), 0);
  }
});

test('bad flags exit 2 with a message that says what is wrong', () => {
  const cases: Array<[string[], RegExp]> = [
    [['serve', '--http-addr', 'nonsense'], /--http-addr: expected host:port/],
    [['serve', '--grpc-addr', '127.0.0.1:99999'], /port 99999 is out of range/],
    [['serve', '--debounce-ms', 'soon'], /--debounce-ms: expected a whole number/],
    [['serve', '--store', 'mysql'], /Allowed choices are sqlite, etcd/],
    [['serve', '--trust-domain', 'Not Valid'], /not a valid SPIFFE trust domain/],
    [['serve', '--config', '/nonexistent/rxds-mesh.yaml', '--http-addr', '127.0.0.1:0', '--grpc-addr', '127.0.0.1:0'], /--config: cannot read \/nonexistent\/rxds-mesh.yaml/],
    [['no-such-command'], /unknown command/],
  ];
  for (const [args, message] of cases) {
    const r = spawnSync(process.execPath, [RXDS_BIN, ...args], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

function grpcHealthCheck(address: string): Promise<HealthCheckResponse_ServingStatus> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (m: ReturnType<typeof create<typeof HealthCheckRequestSchema>>) => Buffer.from(toBinary(HealthCheckRequestSchema, m)),
      (b: Buffer) => fromBinary(HealthCheckResponseSchema, b),
      create(HealthCheckRequestSchema, { service: '' }),
      (err, res) => {
        client.close();
        if (err || !res) reject(err ?? new Error('no response'));
        else resolve(res.status);
      },
    );
  });
}
