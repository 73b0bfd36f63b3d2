import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import { call, startTestApi, type TestApi } from './support/api-server.js';

let api: TestApi;

before(async () => {
  api = await startTestApi({ bodyLimit: 64 * 1024 });
  const setup = [
    call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 80, Check: { TTL: '10s' } }),
    call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'db', ID: 'db-1', Port: 5432, Check: { TCP: '127.0.0.1:5432', Interval: '10s' } }),
    call('PUT', `${api.url}/v1/config`, { Kind: 'service-defaults', Name: 'web', Protocol: 'http' }),
  ];
  for (const r of await Promise.all(setup)) assert.equal(r.status, 200, r.text);
});
after(() => api.close());

/** Sends a bad request and checks: the status, the message, the store untouched, the server still answering. */
async function refused(method: string, path: string, body: unknown, status: number, message: RegExp, consulPath = true) {
  const before = api.store.current();
  const r = await call(method, `${api.url}${path}`, body);
  assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
  assert.match((r.json as { error?: string } | undefined)?.error ?? '', message, `${method} ${path}`);
  if (consulPath) assert.ok(r.index > 0, `${method} ${path}: errors of the Consul API carry X-Consul-Index`);
  assert.equal(api.store.current(), before, 'nothing was written');
  const alive = await call('GET', `${api.url}/v1/catalog/services`);
  assert.equal(alive.status, 200);
}

test('malformed JSON and bodies that are not objects', async () => {
  await refused('PUT', '/v1/agent/service/register', '{"Name": "web",', 400, /not valid JSON/);
  await refused('PUT', '/v1/agent/service/register', '', 400, /must be a JSON object/);
  await refused('PUT', '/v1/agent/service/register', '[1,2]', 400, /must be a JSON object/);
  await refused('PUT', '/v1/config', 'null', 400, /must be a JSON object/);
  await refused('PUT', '/v1/agent/check/update/service:web-1', '"passing"', 400, /JSON object/);
});

test('wrong types and invalid values name the field', async () => {
  await refused('PUT', '/v1/agent/service/register', { Name: 'web', Port: '80' }, 400, /Port: expected number/);
  await refused('PUT', '/v1/agent/service/register', { Name: 42 }, 400, /Name: expected string/);
  await refused('PUT', '/v1/agent/service/register', { Name: 'web', Tags: 'v1' }, 400, /Tags: expected array/);
  await refused('PUT', '/v1/agent/service/register', { Name: 'web', Check: { HTTP: 'http://x/', Interval: 'often' } }, 400, /Check\.Interval: expected a duration/);
  await refused('PUT', '/v1/agent/service/register', { Name: 'p', Kind: 'connect-proxy', Port: 1 }, 400, /Proxy\.DestinationServiceName/);
  await refused('PUT', '/v1/config', { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 'all' }] }, 400, /Splits\[0\]\.Weight/);
  await refused('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'web', Protocol: 'carrier-pigeon' }, 400, /Protocol/);
  await refused('PUT', '/v1/agent/check/update/service:web-1', { Status: 'fine' }, 400, /Status: must be one of passing, warning, critical/);
  await refused('PUT', '/v1/config?cas=x', { Kind: 'service-defaults', Name: 'web' }, 400, /Invalid cas/);
  await refused('GET', '/v1/health/service/web?passing=maybe', undefined, 400, /passing/);
  await refused('GET', '/v1/catalog/services?dc=dc9', undefined, 400, /No path to datacenter/);
  await refused('GET', '/v1/catalog/services?filter=Service%20%3D%3D%20web', undefined, 400, /filter/);
});

test('oversized bodies get 413, declared or streamed', async () => {
  const big = JSON.stringify({ Name: 'web', Meta: { k: 'x'.repeat(100 * 1024) } });
  await refused('PUT', '/v1/agent/service/register', big, 413, /larger than 65536 bytes/);
  // Chunked, without Content-Length: refused once the limit is crossed.
  const before = api.store.current();
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${api.url}/v1/agent/service/register`, { method: 'PUT', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 100; i++) req.write('x'.repeat(1024));
    req.end();
  });
  assert.equal(status, 413);
  assert.equal(api.store.current(), before);
});

test('unknown kinds, unknown check IDs, unknown services, unknown endpoints and methods', async () => {
  await refused('PUT', '/v1/config', { Kind: 'mesh-teleporter', Name: 'x' }, 400, /Kind: unknown config entry kind/);
  await refused('GET', '/v1/config/mesh-teleporter', undefined, 400, /invalid config entry kind/);
  await refused('GET', '/v1/config/mesh-teleporter/x', undefined, 400, /invalid config entry kind/);
  await refused('DELETE', '/v1/config/mesh-teleporter/x', undefined, 400, /invalid config entry kind/);
  for (const verb of ['pass', 'warn', 'fail']) {
    await refused('PUT', `/v1/agent/check/${verb}/service:nope`, undefined, 404, /Unknown check ID "service:nope"/);
  }
  await refused('PUT', '/v1/agent/check/update/nope', { Status: 'passing' }, 404, /Unknown check ID/);
  await refused('PUT', '/v1/agent/check/pass/service:db-1', undefined, 400, /not a TTL check/);
  await refused('PUT', '/v1/agent/service/deregister/nope', undefined, 404, /Unknown service ID "nope"/);
  await refused('GET', '/v1/config/service-defaults/nope', undefined, 404, /Config entry not found/);
  await refused('GET', '/v1/agent/service/register', undefined, 405, /method not allowed; use PUT/);
  await refused('POST', '/v1/config/service-defaults/web', undefined, 405, /method not allowed/);
  await refused('GET', '/v1/nothing/here', undefined, 404, /no such endpoint/, false);
  await refused('GET', '/v1/catalog/service/%E0%A4%A', undefined, 400, /malformed URL encoding/);
});

test('a config change that would break another entry is refused and nothing is stored', async () => {
  const ok = await call('PUT', `${api.url}/v1/config`, { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/a' } }, Destination: { Service: 'web' } }] });
  assert.equal(ok.status, 200, ok.text);
  await refused('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'web', Protocol: 'tcp' }, 400, /service-router/);
  await refused('DELETE', '/v1/config/service-defaults/web', undefined, 400, /Cannot delete config entry/);
});

test('garbage on the socket does not take the server down', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = connect(api.port, '127.0.0.1', () => sock.write('THIS IS NOT HTTP\r\n\r\n'));
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  const alive = await call('GET', `${api.url}/v1/agent/services`);
  assert.equal(alive.status, 200);
  assert.deepEqual(Object.keys(alive.json as object).sort(), ['db-1', 'web-1']);
});
