// rxds config write / config read against a running `rxds serve`; tokens and unreachable servers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../support/ports.js';
import { startRxdsProcess, type RxdsProcess } from '../support/rxds-process.js';
import { addrOf, rxds, tempFiles } from './commands-support.js';

let server: RxdsProcess;
let addr: string;
const files = tempFiles({
  'entries.yaml': [
    'config_entries:',
    '  - kind: service-defaults',
    '    name: backend',
    '    protocol: grpc',
    '  - Kind: service-resolver',
    '    Name: backend',
    '    DefaultSubset: v1',
    '    Subsets:',
    '      v1: { Filter: "Service.Meta.version == v1" }',
    '      v2: { Filter: "Service.Meta.version == v2" }',
    '',
  ].join('\n'),
  'bad-split.json': JSON.stringify({
    Kind: 'service-splitter',
    Name: 'backend',
    Splits: [
      { Weight: 90, ServiceSubset: 'v1' },
      { Weight: 20, ServiceSubset: 'v2' },
    ],
  }),
  'svc.json': JSON.stringify({ Name: 'web', Port: 80 }),
});

before(async () => {
  server = await startRxdsProcess();
  addr = addrOf(server.httpUrl);
});
after(async () => {
  await server.stop();
  files.cleanup();
});

test('config write FILE stores every entry; config read KIND NAME prints it as JSON', async () => {
  const w = await rxds(['config', 'write', files.path('entries.yaml'), '--http-addr', addr]);
  assert.equal(w.code, 0, w.stderr);
  assert.equal(w.stdout, 'Wrote config entry service-defaults/backend\nWrote config entry service-resolver/backend\n');

  const r = await rxds(['config', 'read', 'service-resolver', 'backend', '--http-addr', addr]);
  assert.equal(r.code, 0, r.stderr);
  const entry = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(entry['Kind'], 'service-resolver');
  assert.equal(entry['DefaultSubset'], 'v1');
  assert.deepEqual(entry['Subsets'], {
    v1: { Filter: 'Service.Meta.version == v1' },
    v2: { Filter: 'Service.Meta.version == v2' },
  });
  const direct = await (await fetch(`${server.httpUrl}/v1/config/service-resolver/backend`)).json();
  assert.deepEqual(entry, direct, 'the CLI prints what the API returns');

  const table = await rxds(['config', 'read', 'service-defaults', 'backend', '--http-addr', addr, '--format', 'table']);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^Protocol: grpc$/m);

  const json = await rxds(['config', 'write', '-', '--http-addr', addr, '--format', 'json'], {
    input: 'Kind: service-defaults\nName: web\nProtocol: http\n',
  });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { Written: ['service-defaults/web'] });
});

test('an invalid entry exits 1 with the server message naming the field, and nothing is stored', async () => {
  const w = await rxds(['config', 'write', files.path('bad-split.json'), '--http-addr', addr]);
  assert.equal(w.code, 1);
  assert.match(w.stderr, /writing service-splitter\/backend: Invalid config entry: .*(Weight|sum|100)/i);
  const r = await rxds(['config', 'read', 'service-splitter', 'backend', '--http-addr', addr]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not found.*\(HTTP 404\)/i);
  const kind = await rxds(['config', 'read', 'no-such-kind', 'x', '--http-addr', addr]);
  assert.equal(kind.code, 1);
  assert.match(kind.stderr, /invalid config entry kind/);
  const missing = await rxds(['config', 'read', 'service-defaults', '--http-addr', addr]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing required argument 'name'/);
  const bare = await rxds(['config']);
  assert.equal(bare.code, 2, 'config without write|read is a usage error');
});

test('cannot reach the server: exit 3 with what to do; the address comes from --http-addr or the environment', async () => {
  const port = await freePort(); // nothing listens there
  const r = await rxds(['services', '--http-addr', `127.0.0.1:${port}`]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, new RegExp(`cannot reach rxds at 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
  assert.match(r.stderr, /Is `rxds serve` running on 127\.0\.0\.1:\d+\? Use --http-addr/);
  const env = await rxds(['proxy-status'], { env: { CONSUL_HTTP_ADDR: `http://127.0.0.1:${port}` } });
  assert.equal(env.code, 3);
  assert.match(env.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
  const viaEnv = await rxds(['services', '--format', 'json'], { env: { RXDS_HTTP_ADDR: addr } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
});

test('the token goes out as X-Consul-Token: --token first, then RXDS_TOKEN, then CONSUL_HTTP_TOKEN; 403 says how to pass one', async (t) => {
  const seen: IncomingHttpHeaders[] = [];
  const fake = createServer((req, res) => {
    seen.push(req.headers);
    if (req.headers['x-consul-token'] === 'good') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    } else {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('Permission denied: token with AccessorID \'anonymous\' lacks permission');
    }
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => fake.close(() => r())));
  const fakeAddr = `127.0.0.1:${(fake.address() as AddressInfo).port}`;

  assert.equal((await rxds(['services', '--http-addr', fakeAddr, '--token', 'good'], { env: { RXDS_TOKEN: 'bad' } })).code, 0);
  assert.equal((await rxds(['services', '--http-addr', fakeAddr], { env: { RXDS_TOKEN: 'good', CONSUL_HTTP_TOKEN: 'bad' } })).code, 0);
  assert.equal((await rxds(['services', '--http-addr', fakeAddr], { env: { CONSUL_HTTP_TOKEN: 'good' } })).code, 0);
  assert.deepEqual(seen.map((h) => h['x-consul-token']), ['good', 'good', 'good']);

  const denied = await rxds(['register', files.path('svc.json'), '--http-addr', fakeAddr]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /permission denied: Permission denied: token .* lacks permission \(pass a token with --token, RXDS_TOKEN or CONSUL_HTTP_TOKEN\)/);
  assert.equal(seen.at(-1)?.['x-consul-token'], undefined, 'no token: no header');
  assert.equal(seen.at(-1)?.['content-type'], 'application/json');
});
