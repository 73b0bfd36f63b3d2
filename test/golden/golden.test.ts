// Golden files: the whole generated configuration of representative meshes (test/golden/<mesh>.json), as
// protobuf JSON. A change to generation shows up as a readable diff here. Regenerate after a deliberate
// change with: UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/golden
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toJson } from '@bufbuild/protobuf';
import { RESOURCE_KINDS } from '../../src/core/resource.js';
import { SHORT_TYPE_NAME, type TypeUrl } from '../../src/core/type-urls.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { envoyTypeRegistry } from '../../src/pipelines/validate/envoy-registry.js';
import { checkResource } from '../../src/pipelines/validate/check-resource.js';
import { formatViolations } from '../../src/pipelines/validate/violation.js';
import { MESHES } from './meshes.js';
import { buildSnapshots } from './build-snapshots.js';

const update = process.env['UPDATE_GOLDEN'] === '1';

function snapshotJson(snapshot: Snapshot): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const typeUrl of [...snapshot.keys()].sort()) {
    const byName: Record<string, unknown> = {};
    const resources = snapshot.get(typeUrl)!;
    for (const name of [...resources.keys()].sort()) {
      const r = resources.get(name)!;
      byName[name] = toJson(RESOURCE_KINDS[r.typeUrl].schema, r.message as never, { registry: envoyTypeRegistry });
    }
    out[SHORT_TYPE_NAME[typeUrl as TypeUrl]] = byName;
  }
  return out;
}

for (const [name, mesh] of Object.entries(MESHES)) {
  test(`golden: ${name} mesh`, async () => {
    const snapshots = await buildSnapshots(mesh);
    const actual: Record<string, unknown> = {};
    for (const [node, snapshot] of snapshots) {
      actual[node] = snapshotJson(snapshot);
      for (const rs of snapshot.values()) {
        for (const r of rs.values()) assert.equal(formatViolations(checkResource(r)), '', `${node}: ${r.typeUrl} ${r.name} passes the PGV gate`);
      }
    }
    const file = fileURLToPath(new URL(`./${name}.json`, import.meta.url));
    const text = `${JSON.stringify(actual, null, 2)}\n`;
    if (update) writeFileSync(file, text);
    let expected: unknown;
    try {
      expected = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      assert.fail(`no golden file ${file}: run with UPDATE_GOLDEN=1 to create it`);
    }
    assert.deepEqual(actual, expected, `generated configuration of the ${name} mesh differs from ${name}.json (UPDATE_GOLDEN=1 to accept)`);
  });
}
