import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigFile } from '../../../src/sources/file/parse-config-file.js';
import { formatFileError } from '../../../src/sources/file/file-source-state.js';
import { parseTestService } from './fake-service-parser.js';

const deps = { parseService: parseTestService };
const parse = (text: string) => parseConfigFile(text, 'mesh.yaml', deps);

function refused(text: string): string {
  const r = parse(text);
  if (r.ok) throw new Error('expected the file to be refused');
  return formatFileError(r.error);
}

test('YAML with services, config entries and acl, keys in snake_case or PascalCase', () => {
  const r = parse(`
services:
  - name: backend
    id: backend-1
    port: 50051
    meta: { version: v1 }
config_entries:
  - kind: service-defaults
    name: backend
    protocol: grpc
  - Kind: service-resolver
    Name: backend
    Subsets:
      v1: { filter: "Service.Meta.version == v1" }
acl:
  default_policy: deny
  tokens:
    - secret_id: s3cret
      policies: [{ service: web, access: write }, { operator: read }]
`);
  assert.ok(r.ok);
  assert.deepEqual(r.content.services, [{ ID: 'backend-1', Name: 'backend', Port: 50051, Meta: { version: 'v1' } }]);
  assert.deepEqual(r.content.configEntries.map((e) => `${e.Kind}/${e.Name}`), ['service-defaults/backend', 'service-resolver/backend']);
  assert.deepEqual(r.content.acl, {
    DefaultPolicy: 'deny',
    Tokens: [{ SecretID: 's3cret', Policies: [{ Service: 'web', Access: 'write' }, { Operator: 'read' }] }],
  });
});

test('JSON files are read too, and sections are optional', () => {
  const r = parseConfigFile('{"Services": [{"Name": "web", "Port": 80}]}', 'm.json', deps);
  assert.ok(r.ok);
  assert.equal(r.content.services.length, 1);
  assert.deepEqual(r.content.configEntries, []);
  assert.equal(r.content.acl, undefined);
  const empty = parse('services: []\n');
  assert.ok(empty.ok);
});

test('errors name file, line and field', () => {
  assert.equal(
    refused(`services:\n  - name: web\n    port: 80\n  - port: 81\n`),
    'mesh.yaml:4: services[1].Name: is required',
  );
  assert.equal(
    refused(`config_entries:\n  - kind: service-splitter\n    name: web\n    splits:\n      - weight: 90\n      - weight: 120\n`),
    'mesh.yaml:6: config_entries[0].Splits[1].Weight: must be between 0 and 100 (got 120)',
  );
  assert.equal(
    refused(`config_entries:\n  - Kind: service-resolver\n    Name: b\n    Subsets:\n      v1:\n        Filter: "Service.Meta.version = v1"\n`),
    'mesh.yaml:6: config_entries[0].Subsets.v1.Filter: unexpected "=" at position 21 (did you mean "=="?)',
  );
  assert.equal(refused(`acl:\n  default_policy: maybe\n`), "mesh.yaml:2: acl.DefaultPolicy: must be 'allow' or 'deny'");
  assert.equal(refused(`acl:\n  tokens:\n    - policies: []\n`), 'mesh.yaml:3: acl.Tokens[0].SecretID: is required');
});

test('YAML syntax errors carry the line', () => {
  assert.match(refused('services:\n  - name: web\n   port: 80\n'), /^mesh\.yaml:3: invalid YAML\/JSON: /);
  assert.match(refused('{"services": [}'), /^mesh\.yaml:1: invalid YAML\/JSON: /);
  assert.match(refused('services: []\nservices: []\n'), /^mesh\.yaml:2: invalid YAML\/JSON: Map keys must be unique/);
});

test('structure errors: unknown top-level keys, wrong shapes, duplicates, empty files', () => {
  assert.equal(refused('servics: []\n'), 'mesh.yaml:1: unknown top-level key "servics" (expected services, config_entries, acl)');
  assert.equal(refused('- a\n- b\n'), 'mesh.yaml:1: the file must be a mapping with services, config_entries and/or acl');
  assert.equal(refused('services: { name: web }\n'), 'mesh.yaml:1: services: must be a list of service definitions');
  assert.equal(refused('services:\n  - name: web\n  - name: web\n'), 'mesh.yaml:3: services[1]: duplicate service ID "web" (also services[0])');
  assert.equal(
    refused('config_entries:\n  - { kind: service-defaults, name: a }\n  - { kind: service-defaults, name: a, protocol: http }\n'),
    'mesh.yaml:3: config_entries[1]: duplicate config entry service-defaults/a (also config_entries[0])',
  );
  assert.match(refused('   \n'), /^mesh\.yaml: the file is empty/);
});
