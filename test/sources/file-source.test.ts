import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { map } from 'rxjs';
import { startFileSource } from '../../src/sources/catalog/file-source.js';
import { createSourceStatusRegistry } from '../../src/sources/source-status.js';
import { createMemoryStore } from '../../src/sources/store/memory-store.js';
import type { CatalogState } from '../../src/sources/store/catalog-state.js';
import { call, startTestApi } from './support/api-server.js';
import { waitFor } from '../support/wait.js';

const MESH = `
services:
  - Name: backend
    ID: backend-1
    Address: 127.0.0.1
    Port: 50051
    Tags: [v1]
    Meta: { version: v1 }
    check: { ttl: 30s }
  - name: frontend
    port: 8080
    connect: { sidecar_service: {} }
config_entries:
  - Kind: service-defaults
    Name: backend
    Protocol: grpc
`;

/** Writes a file the way editors do: a temporary file renamed over the original. */
function save(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'rxds-files-'));
  const file = join(dir, 'mesh.yaml');
  const store = createMemoryStore();
  const sources = createSourceStatusRegistry();
  const ids = (s: CatalogState) => [...s.services.keys()].sort().join(',');
  const until = (pred: (s: CatalogState) => boolean, what: string) => waitFor(store.state$, pred, what);
  const status = (pred: (s: { State: string; LastError: string; LastChangeIndex: number }) => boolean, what: string) =>
    waitFor(sources.statuses$.pipe(map((all) => all.find((x) => x.Name === `file:${file}`))), (s) => s !== undefined && pred(s), what).then((s) => s!);
  return { dir, file, store, sources, ids, until, status, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the file declares services (with sidecars and checks) and config entries; edits apply; removals remove', async () => {
  const t = setup();
  save(t.file, MESH);
  const sub = startFileSource(t.store, [t.file], { sourceStatus: t.sources, debounceMs: 10 });
  try {
    await t.until((s) => t.ids(s) === 'backend-1,frontend,frontend-sidecar-proxy', 'the declared services');
    const s = t.store.current();
    assert.equal(s.services.get('backend-1')!.Owner, `file:${t.file}`);
    assert.deepEqual(s.services.get('backend-1')!.Meta, { version: 'v1' });
    assert.equal(s.services.get('frontend-sidecar-proxy')!.Port, 21000);
    assert.equal(s.checks.get('service:backend-1')!.Status, 'critical');
    assert.equal(s.configEntries.get('service-defaults/backend')!.Entry['Protocol'], 'grpc');
    const ok = await t.status((x) => x.State === 'ok' && x.LastChangeIndex > 0, 'ok status');
    assert.equal(ok.LastError, '');

    // A TTL pass through the API survives a re-apply of the file (status is kept).
    await t.store.write([{ type: 'check-status', checkId: 'service:backend-1', status: 'passing', output: 'up' }]);
    save(t.file, MESH.replace('Port: 50051', 'Port: 50052').replace(/  - name: frontend[\s\S]*?sidecar_service: \{\} \}\n/, ''));
    await t.until((s) => t.ids(s) === 'backend-1' && s.services.get('backend-1')!.Port === 50052, 'the edit');
    assert.equal(t.store.current().checks.get('service:backend-1')!.Status, 'passing');

    save(t.file, 'services: []\n');
    await t.until((s) => s.services.size === 0 && s.configEntries.size === 0, 'everything removed');
  } finally {
    sub.unsubscribe();
    await t.store.close();
    t.cleanup();
  }
});

test('an invalid file is reported and its last good content stays in force; fixing it recovers', async () => {
  const t = setup();
  save(t.file, MESH);
  const sub = startFileSource(t.store, [t.file], { sourceStatus: t.sources, debounceMs: 10 });
  try {
    await t.until((s) => s.services.has('backend-1'), 'loaded');
    const before = t.store.current();
    save(t.file, 'services:\n  - Name: backend\n    Port: "not a port\n');
    const bad = await t.status((x) => x.State === 'degraded', 'degraded');
    assert.match(bad.LastError, /mesh\.yaml/);
    assert.equal(t.store.current(), before, 'nothing changed in the store');
    save(t.file, MESH.replace('Port: 50051', 'Port: 7'));
    await t.until((s) => s.services.get('backend-1')?.Port === 7, 'the fixed file applied');
    const ok = await t.status((x) => x.State === 'ok', 'ok again');
    assert.match(ok.LastError, /mesh\.yaml/, 'the last error is kept for the record');
  } finally {
    sub.unsubscribe();
    await t.store.close();
    t.cleanup();
  }
});

test('what the API registered is not the file\'s to remove; a file that conflicts with API entries is refused', async () => {
  const t = setup();
  const api = await startTestApi({ store: t.store, sourceStatus: t.sources });
  save(t.file, MESH);
  const sub = startFileSource(t.store, [t.file], { sourceStatus: t.sources, debounceMs: 10 });
  try {
    await t.until((s) => s.services.has('backend-1'), 'loaded');
    assert.equal((await call('PUT', `${api.url}/v1/agent/service/register`, { Name: 'api-svc', Port: 1 })).status, 200);
    // An API router on backend needs backend's protocol to stay L7; the file now says tcp.
    assert.equal((await call('PUT', `${api.url}/v1/config`, { Kind: 'service-router', Name: 'backend', Routes: [{ Match: { HTTP: { PathPrefix: '/' } }, Destination: { Service: 'backend' } }] })).status, 200);
    save(t.file, MESH.replace('Protocol: grpc', 'Protocol: tcp'));
    const bad = await t.status((x) => x.State === 'degraded', 'refused');
    assert.match(bad.LastError, /service-router\/backend/);
    assert.equal(t.store.current().configEntries.get('service-defaults/backend')!.Entry['Protocol'], 'grpc');
    const sources = await call('GET', `${api.url}/v1/rxds/sources`);
    assert.deepEqual((sources.json as { Name: string; State: string }[]).map((x) => [x.Name, x.State]), [[`file:${t.file}`, 'degraded']]);

    // Removing its services is fine; its service-defaults must stay while the API's router needs it.
    save(t.file, 'services: []\nconfig_entries:\n  - { Kind: service-defaults, Name: backend, Protocol: http }\n');
    await t.until((s) => !s.services.has('backend-1'), 'file services removed');
    await t.status((x) => x.State === 'ok', 'ok again');
    assert.ok(t.store.current().services.has('api-svc'), 'the API registration stays');
  } finally {
    sub.unsubscribe();
    await api.close();
    t.cleanup();
  }
});

test('after a restart without a file, what that file declared is removed', async () => {
  const t = setup();
  save(t.file, MESH);
  const other = join(t.dir, 'other.yaml');
  save(other, 'services:\n  - Name: other\n    Port: 1\n');
  let sub = startFileSource(t.store, [t.file, other], { debounceMs: 10 });
  try {
    await t.until((s) => s.services.has('backend-1') && s.services.has('other'), 'both files loaded');
    sub.unsubscribe();
    sub = startFileSource(t.store, [other], { debounceMs: 10 });
    await t.until((s) => t.ids(s) === 'other' && s.configEntries.size === 0, 'the dropped file\'s records removed');
  } finally {
    sub.unsubscribe();
    await t.store.close();
    t.cleanup();
  }
});
