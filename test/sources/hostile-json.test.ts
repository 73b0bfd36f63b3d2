// CONTRACT section 3 "never a 500 for anything a client can send" and "nothing is stored" for bodies that
// are valid JSON but hostile: nesting deep enough to exhaust the stack of a recursive walk, and
// `__proto__` keys, which a plain-object copy turns into a prototype change (the entry vanished after a 200).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/sources/store/sqlite-store.js';
import { parseAclConfig } from '../../src/sources/file/acl-config.js';
import { call, startTestApi, type TestApi } from './support/api-server.js';

let api: TestApi;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rxds-hostile-'));
  api = await startTestApi({ store: await openSqliteStore(dir) });
});
after(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

async function refused(path: string, body: string, message: RegExp): Promise<void> {
  const before = api.store.current();
  const r = await call('PUT', `${api.url}${path}`, body);
  assert.equal(r.status, 400, `PUT ${path}: ${r.text.slice(0, 300)}`);
  assert.match((r.json as { error?: string } | undefined)?.error ?? '', message);
  assert.equal(api.store.current(), before, 'nothing was written');
  assert.equal((await call('GET', `${api.url}/v1/catalog/services`)).status, 200, 'the server still answers');
}

test('deeply nested bodies get 400 naming the field, not a 500', async () => {
  await refused('/v1/agent/service/register', `{"Name":"web","Tags":${nested(20_000)}}`, /^Invalid service definition: Tags(\[0\])+: nested too deeply/);
  await refused('/v1/config', `{"Kind":"service-splitter","Name":"web","Splits":${nested(20_000)}}`, /^Invalid config entry: Splits(\[0\])+: nested too deeply/);
  await refused('/v1/config', `{"Kind":"proxy-defaults","Name":"global","Config":{"a":${nested(20_000)}}}`, /Config\.a(\[0\])+: nested too deeply/);
  // Ordinary nesting is unaffected: a sidecar upstream with its own Config.
  const ok = await call('PUT', `${api.url}/v1/agent/service/register`, {
    Name: 'web',
    ID: 'web-1',
    Port: 80,
    Connect: { SidecarService: { Proxy: { Upstreams: [{ DestinationName: 'db', LocalBindPort: 9000, Config: { a: { b: { c: [1] } } } }] } } },
  });
  assert.equal(ok.status, 200, ok.text);
});

test('a __proto__ key is refused with 400 instead of silently dropped after a 200', async () => {
  await refused('/v1/agent/service/register', '{"Name":"api","ID":"api-1","Port":1,"Meta":{"__proto__":"x","team":"a"}}', /Meta\.__proto__: "__proto__" is not allowed as a key/);
  await refused(
    '/v1/config',
    '{"Kind":"service-resolver","Name":"api","Subsets":{"__proto__":{"Filter":"Service.Meta.version == v1"}}}',
    /Subsets\.__proto__: "__proto__" is not allowed/,
  );
  await refused('/v1/config', '{"Kind":"service-defaults","Name":"api","Meta":{"__proto__":"x"}}', /Meta\.__proto__: /);
  assert.equal((await call('GET', `${api.url}/v1/config/service-resolver/api`)).status, 404);
  // "constructor" and other prototype names are ordinary keys and are kept.
  const r = await call('PUT', `${api.url}/v1/agent/service/register`, '{"Name":"api","ID":"api-1","Port":1,"Meta":{"constructor":"x"}}');
  assert.equal(r.status, 200, r.text);
  const services = (await call('GET', `${api.url}/v1/agent/services`)).json as Record<string, { Meta: Record<string, string> }>;
  assert.deepEqual(services['api-1']?.Meta, { constructor: 'x' });
});

test('the acl section of a --config file gets the same checks', () => {
  const deep = parseAclConfig(JSON.parse(`{"tokens":${nested(20_000)}}`));
  assert.equal(deep.ok, false);
  assert.match(deep.ok ? '' : deep.error, /nested too deeply/);
  const proto = parseAclConfig(JSON.parse('{"default_policy":"deny","tokens":[{"SecretID":"s","__proto__":{"x":1}}]}'));
  assert.equal(proto.ok, false);
  assert.match(proto.ok ? '' : proto.error, /^tokens\[0\]\.__proto__: "__proto__" is not allowed/);
});
