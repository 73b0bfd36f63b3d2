import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { grpcServiceDefinition } from '../../../src/core/grpc-service.js';
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Serving,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from '../../../src/gen/grpc/health/v1/health_pb.js';
import { tcpProbe, splitHostPort } from '../../../src/sources/health/tcp-probe.js';
import { grpcProbe } from '../../../src/sources/health/grpc-probe.js';
import { freePort } from '../../support/ports.js';

let tcpServer: net.Server;
let tcpAddr = '';
let grpcServer: Server;
let grpcAddr = '';
const statuses = new Map<string, Serving>([
  ['', Serving.SERVING],
  ['backend', Serving.SERVING],
  ['draining', Serving.NOT_SERVING],
]);

before(async () => {
  tcpServer = net.createServer((s) => s.end());
  await new Promise<void>((r) => tcpServer.listen(0, '127.0.0.1', r));
  tcpAddr = `127.0.0.1:${(tcpServer.address() as net.AddressInfo).port}`;

  grpcServer = new Server();
  grpcServer.addService(grpcServiceDefinition(Health), {
    check(call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, cb: sendUnaryData<HealthCheckResponse>) {
      const st = statuses.get(call.request.service);
      if (st === undefined) cb({ code: status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      else cb(null, create(HealthCheckResponseSchema, { status: st }));
    },
    watch() {},
  });
  const port = await new Promise<number>((res, rej) =>
    grpcServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  grpcAddr = `127.0.0.1:${port}`;
});

after(async () => {
  await new Promise<void>((r) => tcpServer.close(() => r()));
  await new Promise<void>((r) => grpcServer.tryShutdown(() => r()));
});

const signal = () => new AbortController().signal;

test('TCP: an open port is passing', async () => {
  assert.deepEqual(await tcpProbe({ type: 'tcp', checkId: 'c', tcp: tcpAddr, intervalMs: 1000 }, signal()), {
    status: 'passing',
    output: `TCP connect ${tcpAddr}: Success`,
  });
});

test('TCP: a closed port rejects with the connection error', async () => {
  const port = await freePort();
  await assert.rejects(tcpProbe({ type: 'tcp', checkId: 'c', tcp: `127.0.0.1:${port}`, intervalMs: 1000 }, signal()), /ECONNREFUSED/);
});

test('TCP: host:port parsing, IPv6 included', () => {
  assert.deepEqual(splitHostPort('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(splitHostPort('[::1]:8080'), { host: '::1', port: 8080 });
  assert.throws(() => splitHostPort('localhost'), /invalid address/);
  assert.throws(() => splitHostPort('h:99999'), /invalid address/);
});

test('gRPC: SERVING is passing, for the whole server and for a named service', async () => {
  assert.deepEqual(await grpcProbe({ type: 'grpc', checkId: 'c', grpc: grpcAddr, intervalMs: 1000 }, signal()), {
    status: 'passing',
    output: `gRPC check ${grpcAddr}: success`,
  });
  assert.equal((await grpcProbe({ type: 'grpc', checkId: 'c', grpc: `${grpcAddr}/backend`, intervalMs: 1000 }, signal())).status, 'passing');
});

test('gRPC: NOT_SERVING is critical', async () => {
  assert.deepEqual(await grpcProbe({ type: 'grpc', checkId: 'c', grpc: `${grpcAddr}/draining`, intervalMs: 1000 }, signal()), {
    status: 'critical',
    output: `gRPC check ${grpcAddr}/draining: failed: serving status NOT_SERVING`,
  });
});

test('gRPC: an RPC error (unknown service) rejects with the status', async () => {
  await assert.rejects(grpcProbe({ type: 'grpc', checkId: 'c', grpc: `${grpcAddr}/nope`, intervalMs: 1000 }, signal()), /NOT_FOUND: unknown service nope/);
});

test('gRPC: an unreachable server rejects within the timeout', async () => {
  const port = await freePort();
  await assert.rejects(
    grpcProbe({ type: 'grpc', checkId: 'c', grpc: `127.0.0.1:${port}`, intervalMs: 1000, timeoutMs: 500 }, signal()),
    /UNAVAILABLE|DEADLINE_EXCEEDED/,
  );
});
