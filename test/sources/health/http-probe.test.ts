import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpProbe, MAX_OUTPUT_BYTES } from '../../../src/sources/health/http-probe.js';
import type { HttpCheckSpec } from '../../../src/sources/health/check-spec.js';
import { freePort } from '../../support/ports.js';
import { deferred, withTimeout } from '../../support/wait.js';

let server: http.Server;
let base = '';
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let slowClosed = deferred<void>();
let slowSeen = deferred<void>();

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      switch (req.url) {
        case '/ok':
          res.end('fine');
          return;
        case '/created':
          res.writeHead(201).end('made');
          return;
        case '/busy':
          res.writeHead(429).end('slow down');
          return;
        case '/fail':
          res.writeHead(503).end('down');
          return;
        case '/redirect':
          res.writeHead(302, { location: '/ok' }).end();
          return;
        case '/big':
          res.end('x'.repeat(MAX_OUTPUT_BYTES * 3));
          return;
        case '/slow':
          req.socket.on('close', () => slowClosed.resolve());
          slowSeen.resolve();
          return; // never answers
        default:
          res.writeHead(404).end('no');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const spec = (path: string, over: Partial<HttpCheckSpec> = {}): HttpCheckSpec => ({
  type: 'http', checkId: 'c', http: `${base}${path}`, intervalMs: 1000, ...over,
});
const probe = (s: HttpCheckSpec) => httpProbe(s, new AbortController().signal);

test('2xx is passing, with Consul-style output', async () => {
  assert.deepEqual(await probe(spec('/ok')), { status: 'passing', output: `HTTP GET ${base}/ok: 200 OK Output: fine` });
  assert.equal((await probe(spec('/created'))).status, 'passing');
});

test('429 is warning; other codes are critical', async () => {
  assert.deepEqual(await probe(spec('/busy')), { status: 'warning', output: `HTTP GET ${base}/busy: 429 Too Many Requests Output: slow down` });
  assert.deepEqual(await probe(spec('/fail')), { status: 'critical', output: `HTTP GET ${base}/fail: 503 Service Unavailable Output: down` });
  assert.equal((await probe(spec('/missing'))).status, 'critical');
});

test('redirects are followed', async () => {
  const r = await probe(spec('/redirect'));
  assert.equal(r.status, 'passing');
  assert.match(r.output, /: 200 OK Output: fine$/);
});

test('method, headers and body are sent; the User-Agent is Consul\'s', async () => {
  seen.length = 0;
  await probe(spec('/ok', { method: 'POST', header: { 'X-Token': ['a', 'b'] }, body: '{"q":1}' }));
  const req = seen[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.body, '{"q":1}');
  assert.equal(req.headers['x-token'], 'a, b');
  assert.equal(req.headers['user-agent'], 'Consul Health Check');
});

test('the output keeps at most 4 KiB of the body', async () => {
  const r = await probe(spec('/big'));
  const body = r.output.slice(r.output.indexOf('Output: ') + 'Output: '.length);
  assert.equal(body.length, MAX_OUTPUT_BYTES);
});

test('a refused connection rejects with the error', async () => {
  const port = await freePort();
  await assert.rejects(probe(spec('', { http: `http://127.0.0.1:${port}/` })), /ECONNREFUSED/);
});

test('aborting a probe closes its connection', async () => {
  slowClosed = deferred<void>();
  slowSeen = deferred<void>();
  const abort = new AbortController();
  const p = httpProbe(spec('/slow'), abort.signal);
  await withTimeout(slowSeen.promise, 2000, 'the server to get the request');
  abort.abort();
  await assert.rejects(p);
  await withTimeout(slowClosed.promise, 2000, 'the server to see the connection close');
});
