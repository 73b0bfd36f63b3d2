import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpServer } from '../../src/core/http/http-server.js';
import { createRouter } from '../../src/core/http/router.js';
import { badRequest } from '../../src/core/http/http-error.js';
import { readJsonBody } from '../../src/core/http/read-json-body.js';
import { call } from './support/api-server.js';
import { deferred } from '../support/wait.js';

test('handlers are tried in order; routes get params and query; errors become {"error"} with their status', async () => {
  const errors: unknown[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (o: object) => void errors.push(o), child: () => logger };
  const a = createRouter({ logger, headers: () => ({ 'x-router': 'a' }) })
    .get('/a/:name', ({ params, query }) => ({ body: { name: params['name'], q: query.get('q') } }))
    .put('/a/echo', async ({ req }) => ({ status: 201, body: { got: await readJsonBody(req, 16) } }))
    .get('/a/bad', () => {
      throw badRequest('bad thing');
    })
    .get('/a/bug', () => {
      throw new Error('a bug');
    });
  const b = createRouter().get('/b/*rest', ({ params }) => ({ body: params['rest'] }));
  const http = createHttpServer([a.handle, b.handle], { logger });
  const { url } = await http.listen(0);
  try {
    const r1 = await call('GET', `${url}/a/x%20y?q=1`);
    assert.deepEqual([r1.status, r1.json, r1.headers.get('x-router')], [200, { name: 'x y', q: '1' }, 'a']);
    assert.deepEqual((await call('PUT', `${url}/a/echo`, { k: 1 })).json, { got: { k: 1 } });
    const big = await call('PUT', `${url}/a/echo`, { k: 'x'.repeat(100) });
    assert.deepEqual([big.status, big.json], [413, { error: 'request body larger than 16 bytes' }]);
    assert.deepEqual((await call('GET', `${url}/b/c/d:e`)).json, 'c/d:e');
    const bad = await call('GET', `${url}/a/bad`);
    assert.deepEqual([bad.status, bad.json, bad.headers.get('x-router')], [400, { error: 'bad thing' }, 'a']);
    const bug = await call('GET', `${url}/a/bug`);
    assert.deepEqual([bug.status, bug.json], [500, { error: 'internal error' }]);
    assert.equal(errors.length, 1, 'the bug is logged');
    const wrong = await call('DELETE', `${url}/a/echo`);
    assert.deepEqual([wrong.status, wrong.headers.get('allow')], [405, 'GET, PUT'], 'GET /a/echo is served by /a/:name');
    assert.equal((await call('GET', `${url}/c`)).status, 404);
  } finally {
    await http.close();
  }
});

test('close(grace) lets requests in flight finish, then closes what is left', async () => {
  const release = deferred<void>();
  const started = deferred<void>();
  const router = createRouter().get('/slow', async () => {
    started.resolve();
    await release.promise;
    return { body: 'done' };
  });
  const http = createHttpServer([router.handle]);
  const { url } = await http.listen(0);
  const pending = call('GET', `${url}/slow`);
  await started.promise;
  const closed = http.close(5000);
  release.resolve();
  const r = await pending;
  assert.deepEqual([r.status, r.json], [200, 'done']);
  await closed;
  await assert.rejects(call('GET', `${url}/slow`));
});

test('handlers may claim or decline at once or later; throwing, rejecting and unsendable answers get a 500', async () => {
  const errors: string[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (_o: object, msg: string) => void errors.push(msg), child: () => logger };
  const router = createRouter({ logger })
    .get('/r/later', async () => {
      await new Promise((r) => setTimeout(r, 5));
      return { body: 'later' };
    })
    .get('/r/rejects', () => Promise.reject(new Error('a late bug')))
    .get('/r/rejects-400', () => Promise.reject(badRequest('late and bad')))
    .get('/r/unsendable', () => ({ body: 'x', headers: { 'x-bad': 'line\nbreak' } }))
    .get('/r/unsendable-later', async () => ({ body: 'x', headers: { 'x-bad': 'line\nbreak' } }));
  const declinesLater = async () => false;
  const throws = (req: { url?: string }) => {
    if (req.url === '/boom') throw new Error('handler bug');
    return false;
  };
  const rejects = (req: { url?: string }) => (req.url === '/boom-later' ? Promise.reject(new Error('handler bug later')) : false);
  const http = createHttpServer([declinesLater, throws, rejects, router.handle], { logger });
  const { url } = await http.listen(0);
  try {
    assert.deepEqual(pick(await call('GET', `${url}/r/later`)), [200, 'later'], 'declined later by the first handler, answered later by the router');
    assert.deepEqual(pick(await call('GET', `${url}/r/rejects`)), [500, { error: 'internal error' }]);
    assert.deepEqual(pick(await call('GET', `${url}/r/rejects-400`)), [400, { error: 'late and bad' }]);
    assert.deepEqual(pick(await call('GET', `${url}/r/unsendable`)), [500, { error: 'internal error' }], 'a header Node refuses');
    assert.deepEqual(pick(await call('GET', `${url}/r/unsendable-later`)), [500, { error: 'internal error' }]);
    assert.deepEqual(pick(await call('GET', `${url}/boom`)), [500, { error: 'internal error' }]);
    assert.deepEqual(pick(await call('GET', `${url}/boom-later`)), [500, { error: 'internal error' }]);
    assert.deepEqual(pick(await call('GET', `${url}/nothing`)), [404, { error: 'no such endpoint: GET /nothing' }]);
    assert.deepEqual(errors, ['request failed', 'request failed', 'request failed', 'request handler failed', 'request handler failed']);
    assert.deepEqual(pick(await call('GET', `${url}/r/later`)), [200, 'later'], 'the server still serves');
  } finally {
    await http.close();
  }
});

function pick(r: { status: number; json: unknown }): [number, unknown] {
  return [r.status, r.json];
}
