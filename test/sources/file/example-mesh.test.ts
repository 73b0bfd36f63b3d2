import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseConfigFile } from '../../../src/sources/file/parse-config-file.js';
import { parseServiceDefinition } from '../../../src/sources/catalog/service-definition.js';
import { keyOf, validateConfigEntrySet, type ConfigEntry } from '../../../src/sources/config-entries/index.js';
import { evaluateFilter, parseFilter } from '../../../src/sources/filter/index.js';

const path = new URL('../../../examples/mesh.yaml', import.meta.url);

test('examples/mesh.yaml passes the file, service and config entry validation', async () => {
  const r = parseConfigFile(await readFile(path, 'utf8'), 'examples/mesh.yaml', { parseService: parseServiceDefinition });
  if (!r.ok) assert.fail(`examples/mesh.yaml is refused: ${JSON.stringify(r.error)}`);
  const { services, configEntries, acl } = r.content;

  assert.deepEqual(services.map((s) => s.ID), ['backend-1', 'backend-2', 'frontend-1']);
  const frontend = services.find((s) => s.ID === 'frontend-1')!;
  const upstreams = frontend.SidecarService?.Proxy?.Upstreams ?? [];
  assert.deepEqual(upstreams.map((u) => [u.DestinationName, u.LocalBindPort]), [['backend', 9191]]);

  const entries = new Map<string, ConfigEntry>(configEntries.map((e) => [keyOf(e), e]));
  assert.deepEqual([...entries.keys()], [
    'service-defaults/backend',
    'service-resolver/backend',
    'service-splitter/backend',
    'service-intentions/backend',
  ]);
  assert.deepEqual(validateConfigEntrySet(entries), { ok: true, value: undefined }, 'the entries are consistent together');
  const splitter = entries.get('service-splitter/backend');
  assert.ok(splitter?.Kind === 'service-splitter');
  assert.deepEqual(splitter.Splits.map((s) => [s.Weight, s.ServiceSubset]), [[90, 'v1'], [10, 'v2']]);
  assert.equal(acl?.DefaultPolicy, 'allow');

  // The subsets select the instances they are named after.
  const resolver = entries.get('service-resolver/backend');
  assert.ok(resolver?.Kind === 'service-resolver');
  for (const [subset, def] of Object.entries(resolver.Subsets ?? {})) {
    const f = parseFilter(def.Filter ?? '');
    assert.ok(f.ok);
    const members = services
      .filter((s) => s.Name === 'backend')
      .filter((s) => evaluateFilter(f.value, { Service: { ID: s.ID, Service: s.Name, Tags: s.Tags, Meta: s.Meta, Port: s.Port } }))
      .map((s) => s.ID);
    assert.deepEqual(members, [subset === 'v1' ? 'backend-1' : 'backend-2']);
  }
});
