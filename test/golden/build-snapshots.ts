// Builds the first snapshot of each proxy of a golden mesh through the real proxy manager (memory store,
// catalog, chains, generation, PGV gate), as a client connecting to rxds would get it.
import { create } from '@bufbuild/protobuf';
import { asyncScheduler, firstValueFrom, of } from 'rxjs';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import { silentLogger } from '../../src/core/logger.js';
import { ResourceEncoder } from '../../src/core/resource.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { createCatalog } from '../../src/sources/catalog/catalog.js';
import { createMemoryStore } from '../../src/sources/store/memory-store.js';
import { createProxyManager } from '../../src/pipelines/proxy/proxy-manager.js';
import { mesh, setCheck } from '../pipelines/proxy/mesh-state.js';
import type { GoldenMesh } from './meshes.js';

export const TRUST_DOMAIN = '11111111-2222-3333-4444-555555555555.consul';

export async function buildSnapshots(m: GoldenMesh): Promise<Map<string, Snapshot>> {
  let state = mesh(m.services, m.entries);
  for (const [id, status] of Object.entries(m.checks ?? {})) state = setCheck(state, id, status);
  const store = createMemoryStore(state);
  const catalog = createCatalog(store, { keepAliveMs: 0 });
  const manager = createProxyManager({
    catalog,
    encoder: new ResourceEncoder(),
    scheduler: asyncScheduler,
    debounceMs: 0,
    debounceMaxMs: 0,
    graceMs: 0,
    trustDomain: TRUST_DOMAIN,
    logger: silentLogger,
    maxSnapshotsPerSecond: Infinity,
    onInvalidResource: (i) => {
      throw new Error(`invalid ${i.resource.typeUrl} ${i.resource.name}: ${JSON.stringify(i.violations)}`);
    },
  });
  const out = new Map<string, Snapshot>();
  let stream = 0;
  for (const id of m.sidecars) {
    out.set(id, await firstValueFrom(manager.snapshots(create(NodeSchema, { id }), { streamId: String(++stream) })));
  }
  for (const [id, targets] of Object.entries(m.proxyless)) {
    const subscriptions$ = of(new Map([[TypeUrl.Listener, [...targets]]]));
    out.set(id, await firstValueFrom(manager.snapshots(create(NodeSchema, { id }), { streamId: String(++stream), subscriptions$ })));
  }
  await store.close();
  return out;
}
