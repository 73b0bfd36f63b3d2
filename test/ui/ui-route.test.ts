// The dashboard's static files over real HTTP: content types, revalidation, redirects, and no way out of
// the static folder whatever the path looks like on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpServer } from '../../src/core/http/http-server.js';
import { createUiRoute } from '../../src/sinks/ui/ui-route.js';

async function serve(t: { after: (fn: () => unknown) => void }, root?: string) {
  const http = createHttpServer([createUiRoute(root ? { root } : {})]);
  const { url, port } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());
  return { url, port };
}

/** Sends the request line exactly as written (fetch and URL would normalize `..` away). */
function rawGet(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('end', () => resolve({ status: Number(data.split(' ')[1]), text: data }));
    socket.on('error', reject);
  });
}

test('GET /ui/ serves index.html and its modules with their content types, no-cache, an ETag and security headers', async (t) => {
  const { url } = await serve(t);
  const index = await fetch(`${url}/ui/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.equal(index.headers.get('referrer-policy'), 'no-referrer', 'a ?token= must never leak in a Referer');
  assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const html = await index.text();
  assert.match(html, /<script type="module" src="app.js">/);
  for (const [file, type] of [
    ['app.js', 'text/javascript; charset=utf-8'],
    ['json-patch.js', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
  ] as const) {
    const res = await fetch(`${url}/ui/${file}`);
    assert.equal(res.status, 200, file);
    assert.equal(res.headers.get('content-type'), type, file);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok((await res.text()).length > 0);
  }
});

test('a matching If-None-Match gets 304 without a body; HEAD gets the headers only', async (t) => {
  const { url } = await serve(t);
  const first = await fetch(`${url}/ui/app.js`);
  const etag = first.headers.get('etag');
  assert.match(etag ?? '', /^"[A-Za-z0-9_-]+"$/);
  await first.arrayBuffer();
  const again = await fetch(`${url}/ui/app.js`, { headers: { 'if-none-match': etag! } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  const stale = await fetch(`${url}/ui/app.js`, { headers: { 'if-none-match': '"something-else"' } });
  assert.equal(stale.status, 200);
  await stale.arrayBuffer();
  const head = await fetch(`${url}/ui/app.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers.get('content-length')), Buffer.byteLength(await (await fetch(`${url}/ui/app.js`)).text()));
});

test('/ and /ui redirect to /ui/ keeping the query (?token=); writes are refused; other paths are not claimed', async (t) => {
  const { url } = await serve(t);
  const root = await fetch(`${url}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/ui/');
  const withToken = await fetch(`${url}/ui?token=s3cret`, { redirect: 'manual' });
  assert.equal(withToken.status, 302);
  assert.equal(withToken.headers.get('location'), '/ui/?token=s3cret');
  const post = await fetch(`${url}/ui/app.js`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.match(((await post.json()) as { error: string }).error, /read-only/);
  // Not the UI's: left to the next handler (here none, so the server's own 404).
  const other = await fetch(`${url}/v1/catalog/services`);
  assert.equal(other.status, 404);
  assert.match(((await other.json()) as { error: string }).error, /no such endpoint/);
});

test('no path reaches outside the static folder: dot segments, encoded slashes, sub-folders, unknown names are 404', async (t) => {
  // A folder with a secret next to it: any traversal that worked would return it.
  const dir = mkdtempSync(join(tmpdir(), 'rxds-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'static');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'sub', 'inner.js'), 'export {}');
  writeFileSync(join(root, 'notes.txt'), 'not a dashboard file type');
  writeFileSync(join(dir, 'secret.js'), 'SECRET');
  const { port } = await serve(t, root);
  for (const path of [
    '/ui/../secret.js',
    '/ui/..%2fsecret.js',
    '/ui/%2e%2e/secret.js',
    '/ui/%2e%2e%2fsecret.js',
    '/ui/..\\secret.js',
    '/ui/sub/inner.js',
    '/ui/sub%2finner.js',
    '/ui/notes.txt',
    '/ui/nothing.js',
    '/ui//etc/passwd',
    `/ui/${encodeURIComponent(join(dir, 'secret.js'))}`,
  ]) {
    const { status, text } = await rawGet(port, path);
    assert.ok(status === 404 || status === 400, `${path}: ${status}`);
    assert.ok(!text.includes('SECRET'), path);
  }
  assert.equal((await rawGet(port, '/ui/')).status, 200);
});

test('createUiRoute fails at creation (not per request) when its folder has no index.html', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-ui-'));
  try {
    assert.throws(() => createUiRoute({ root: dir }), /no index.html/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
