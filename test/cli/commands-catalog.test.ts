// rxds register / services / deregister, run as a user would against a running `rxds serve`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRxdsProcess, type RxdsProcess } from '../support/rxds-process.js';
import { addrOf, rxds, tableRows, tempFiles } from './commands-support.js';

let server: RxdsProcess;
let addr: string;
const files = tempFiles({
  'mesh.yaml': [
    'services:',
    '  - name: backend',
    '    id: backend-1',
    '    address: 127.0.0.1',
    '    port: 50051',
    '    tags: [v1, grpc]',
    '  - Name: backend',
    '    ID: backend-2',
    '    Address: 127.0.0.1',
    '    Port: 50052',
    '    Tags: [v2]',
    '    Check: { TTL: 30s }',
    '',
  ].join('\n'),
  'frontend.json': JSON.stringify({ Name: 'frontend', ID: 'frontend-1', Port: 8080 }),
  'bad-port.yaml': 'Name: broken\nID: broken-1\nPort: not-a-port\n',
  'bad-yaml.yaml': 'services:\n  - Name: x\n   ID: y\n',
  'second-bad.yaml': 'services:\n  - {Name: ok, ID: ok-1, Port: 1}\n  - {Name: bad, Port: -5}\n',
});

before(async () => {
  server = await startRxdsProcess();
  addr = addrOf(server.httpUrl);
});
after(async () => {
  await server.stop();
  files.cleanup();
});

test('register FILE (YAML with services:, any key case; JSON) then services lists them; exit 0', async () => {
  const yaml = await rxds(['register', files.path('mesh.yaml'), '--http-addr', addr]);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.equal(yaml.stdout, 'Registered service backend-1\nRegistered service backend-2\n');
  const json = await rxds(['register', files.path('frontend.json'), '--http-addr', addr, '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { Registered: ['frontend-1'] });

  const table = await rxds(['services', '--http-addr', addr]);
  assert.equal(table.code, 0, table.stderr);
  const rows = tableRows(table.stdout);
  assert.deepEqual(rows[0], ['SERVICE', 'INSTANCES', 'PASSING', 'TAGS']);
  const backend = rows.find((r) => r[0] === 'backend');
  assert.deepEqual(backend?.slice(1, 3), ['2', '1'], 'backend-2 has a TTL check, which starts critical');
  assert.deepEqual(backend?.[3]?.split(',').sort(), ['grpc', 'v1', 'v2']);

  const list = await rxds(['services', '--http-addr', addr, '--format', 'json']);
  assert.equal(list.code, 0);
  const services = JSON.parse(list.stdout) as Array<{ Name: string; Instances: number; Passing: number }>;
  assert.deepEqual(
    services.filter((s) => s.Name !== 'consul').map((s) => [s.Name, s.Instances, s.Passing]),
    [
      ['backend', 2, 1],
      ['frontend', 1, 1],
    ],
  );

  const dereg = await rxds(['deregister', 'backend-2', '--http-addr', addr]);
  assert.equal(dereg.code, 0, dereg.stderr);
  assert.equal(dereg.stdout, 'Deregistered service backend-2\n');
  const agent = (await (await fetch(`${server.httpUrl}/v1/agent/services`)).json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(agent).sort(), ['backend-1', 'frontend-1']);
});

test('register reads standard input with "-"', async () => {
  const r = await rxds(['register', '-', '--http-addr', addr], { input: '{"Name": "stdin-svc", "ID": "stdin-1", "Port": 9}' });
  assert.equal(r.code, 0, r.stderr);
  const agent = (await (await fetch(`${server.httpUrl}/v1/agent/services`)).json()) as Record<string, unknown>;
  assert.ok('stdin-1' in agent);
});

test('the server saying no exits 1 with its message; earlier items of the file stay registered', async () => {
  const unknown = await rxds(['deregister', 'no-such-id', '--http-addr', addr]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown service ID "no-such-id".*\(HTTP 404\)/);
  assert.equal(unknown.stdout, '');

  const invalid = await rxds(['register', files.path('bad-port.yaml'), '--http-addr', addr]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /registering broken-1: Invalid service definition: .*Port/);

  const second = await rxds(['register', files.path('second-bad.yaml'), '--http-addr', addr]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /registering bad: .*already registered: ok-1/);
  const agent = (await (await fetch(`${server.httpUrl}/v1/agent/services`)).json()) as Record<string, unknown>;
  assert.ok('ok-1' in agent);
});

test('usage errors exit 2: missing argument, unknown flag value, unreadable or invalid file', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['register'], /missing required argument 'file'/],
    [['deregister'], /missing required argument 'id'/],
    [['services', '--format', 'xml'], /Allowed choices are table, json/],
    [['register', files.path('nope.yaml'), '--http-addr', addr], /nope\.yaml: no such file/],
    [['register', files.path('bad-yaml.yaml'), '--http-addr', addr], /bad-yaml\.yaml: not valid YAML or JSON/],
    [['services', '--http-addr', 'localhost'], /--http-addr: expected host:port/],
  ];
  for (const [args, message] of cases) {
    const r = await rxds(args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('--help for each client command exits 0 and shows its flags', async () => {
  for (const cmd of [['proxy-status'], ['config-dump'], ['services'], ['register'], ['deregister'], ['config', 'write'], ['config', 'read']]) {
    const r = await rxds([...cmd, '--help']);
    assert.equal(r.code, 0, `${cmd.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: rxds ${cmd.join(' ')}`));
    assert.match(r.stdout, /--http-addr/);
    assert.match(r.stdout, /--format/);
  }
});
