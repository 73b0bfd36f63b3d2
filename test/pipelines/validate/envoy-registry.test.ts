import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DescFile, DescMessage } from '@bufbuild/protobuf';
import { envoyTypeRegistry } from '../../../src/pipelines/validate/envoy-registry.js';

function generatedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? generatedFiles(p) : p.endsWith('_pb.ts') ? [p] : [];
  });
}
const allMessages = (ms: readonly DescMessage[]): DescMessage[] => ms.flatMap((m) => [m, ...allMessages(m.nestedMessages)]);

test('the Any registry holds every generated Envoy, xDS and UDPA message type', async () => {
  const missing: string[] = [];
  let count = 0;
  for (const root of ['envoy', 'xds', 'udpa']) {
    for (const path of generatedFiles(join('src/gen', root))) {
      const mod = (await import(pathToFileURL(path.replace(/\.ts$/, '.js')).href)) as Record<string, unknown>;
      for (const v of Object.values(mod)) {
        const file = v as DescFile;
        if (file?.kind !== 'file') continue;
        for (const m of allMessages(file.messages)) {
          count++;
          if (envoyTypeRegistry.getMessage(m.typeName) !== m) missing.push(m.typeName);
        }
      }
    }
  }
  assert.ok(count > 400, `found ${count} generated message types`);
  assert.deepEqual(missing, [], 'add the generated file to ROOTS in envoy-registry.ts');
});
