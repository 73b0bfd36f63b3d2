// rxds serve (in process, real HTTP on 127.0.0.1, real SQLite in a temp data dir) keeps the CA state in
// the store: an upgrading data dir's ca.json is imported once, and the system record with the root keys
// shows in no HTTP answer and no log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServeOptions } from '../../../src/cli/serve-options.js';
import { startRxds } from '../../../src/daemon/start-rxds.js';
import type { Logger } from '../../../src/core/logger.js';
import { startCertificateAuthority } from '../../../src/sources/ca/start-certificate-authority.js';
import { CA_STATE_FILE, CaPersistenceError, createFileCaPersistence } from '../../../src/sources/ca/file-ca-persistence.js';
import { CA_STATE_KEY, createStoreCaPersistence } from '../../../src/sources/ca/store-ca-persistence.js';
import { importCaStateFile } from '../../../src/sources/ca/import-ca-state-file.js';
import { openSqliteStore } from '../../../src/sources/store/sqlite-store.js';

interface LogLine {
  readonly level: string;
  readonly msg: string | undefined;
  readonly obj: object;
}

function captureLogger(lines: LogLine[] = []): Logger & { readonly lines: LogLine[] } {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, obj });
  const logger: Logger & { lines: LogLine[] } = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

async function withDataDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rxds-ca-in-store-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes `<dir>/ca.json` as an older rxds did (a real root); resolves with its active root id and key. */
async function legacyCaFile(dir: string): Promise<{ rootId: string; key: string }> {
  const file = createFileCaPersistence(dir);
  const ca = await startCertificateAuthority({ trustDomain: 'rxds.local', persistence: file });
  await ca.close();
  const state = (await file.load())!;
  return { rootId: state.activeRootId, key: state.roots[0]!.privateKeyPem };
}

const serve = (dataDir: string, logger: Logger) =>
  startRxds(parseServeOptions({ httpAddr: '127.0.0.1:0', grpcAddr: '127.0.0.1:0', dataDir, logLevel: 'silent' }), { logger });

async function activeRootId(http: { host: string; port: number }): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${http.port}/v1/connect/ca/roots`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { ActiveRootID: string }).ActiveRootID;
}

test('upgrading: rxds serve imports <data-dir>/ca.json into the store once, keeps the file, and then uses the store only', () =>
  withDataDir(async (dir) => {
    const legacy = await legacyCaFile(dir);
    const fileText = await readFile(join(dir, CA_STATE_FILE), 'utf8');

    const logger = captureLogger();
    const rxds = await serve(dir, logger);
    try {
      assert.equal(await activeRootId(rxds.http), legacy.rootId, 'the upgraded server keeps the old root');
      const record = rxds.store.current().system.get(CA_STATE_KEY);
      assert.equal((record?.Value as { activeRootId: string }).activeRootId, legacy.rootId);
      const imported = logger.lines.find((l) => l.msg?.startsWith('CA state imported'));
      assert.ok(imported, logger.lines.map((l) => l.msg).join(' | '));
      assert.equal(imported.level, 'warn');
      assert.match(imported.msg!, /can be deleted/);
      assert.equal((imported.obj as { file: string }).file, join(dir, CA_STATE_FILE));
    } finally {
      await rxds.close();
    }
    assert.equal(await readFile(join(dir, CA_STATE_FILE), 'utf8'), fileText, 'the file is left on disk as it was');

    // From now on the file is not read: garbage in it changes nothing, and without it the root is the same.
    await writeFile(join(dir, CA_STATE_FILE), 'garbage');
    const second = captureLogger();
    const again = await serve(dir, second);
    try {
      assert.equal(await activeRootId(again.http), legacy.rootId);
      assert.ok(second.lines.some((l) => /not used and can be deleted/.test(l.msg ?? '')), 'the leftover file is pointed out');
      assert.ok(!second.lines.some((l) => l.msg?.startsWith('CA state imported')));
    } finally {
      await again.close();
    }
    await rm(join(dir, CA_STATE_FILE));
    const third = await serve(dir, captureLogger());
    try {
      assert.equal(await activeRootId(third.http), legacy.rootId);
    } finally {
      await third.close();
    }
  }));

test('importCaStateFile: no file means nothing to do; a damaged file with an empty store fails naming the file', () =>
  withDataDir(async (dir) => {
    const store = await openSqliteStore(join(dir, 'store'));
    try {
      const target = createStoreCaPersistence(store);
      const file = createFileCaPersistence(dir);
      assert.equal(await importCaStateFile(file, target, captureLogger()), 'none');
      await writeFile(file.path, '{"version": 1,');
      await assert.rejects(
        importCaStateFile(file, target, captureLogger()),
        (e: unknown) => e instanceof CaPersistenceError && e.message.includes(file.path) && /not JSON/.test(e.message),
      );
      assert.equal(store.current().system.size, 0, 'nothing half-imported');
    } finally {
      await store.close();
    }
  }));

test('a fresh data dir gets its root in the store, not in a ca.json; the root key shows in no HTTP answer and no log line', () =>
  withDataDir(async (dir) => {
    const logger = captureLogger();
    const rxds = await serve(dir, logger);
    try {
      const base = `http://127.0.0.1:${rxds.http.port}`;
      assert.equal(existsSync(join(dir, CA_STATE_FILE)), false);
      const record = rxds.store.current().system.get(CA_STATE_KEY)!;
      const rootKey = (record.Value as { roots: { privateKeyPem: string }[] }).roots[0]!.privateKeyPem;
      const keyBody = rootKey.split('\n')[1]!; // a line of the key's base64, whatever the framing
      assert.equal(await activeRootId(rxds.http), (record.Value as { activeRootId: string }).activeRootId);

      const reg = await fetch(`${base}/v1/agent/service/register`, {
        method: 'PUT',
        body: JSON.stringify({ Name: 'web', ID: 'web-1', Port: 8080, Connect: { SidecarService: {} } }),
      });
      assert.equal(reg.status, 200, await reg.text());
      const paths = [
        '/v1/catalog/services',
        '/v1/catalog/service/web',
        `/v1/catalog/service/${CA_STATE_KEY}`,
        '/v1/health/service/web',
        '/v1/agent/services',
        '/v1/agent/checks',
        '/v1/config',
        '/v1/config/service-defaults',
        '/v1/connect/ca/roots',
        '/v1/rxds/proxies',
        '/v1/rxds/sources',
        '/v1/rxds/proxies/web-1-sidecar-proxy',
        '/v1/rxds/proxies/web-1-sidecar-proxy/config',
        '/metrics',
      ];
      for (const path of paths) {
        const res = await fetch(`${base}${path}`);
        const body = await res.text();
        assert.ok(res.status < 500, `${path}: ${res.status}`);
        assert.ok(!body.includes(keyBody), `${path} must not show the root private key`);
        assert.ok(!body.includes(CA_STATE_KEY), `${path} must not show the system record`);
      }
      const services = (await (await fetch(`${base}/v1/catalog/services`)).json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(services).sort(), ['web', 'web-sidecar-proxy']);
      const logged = JSON.stringify(logger.lines);
      assert.ok(!logged.includes(keyBody), 'no log line holds the root key');
    } finally {
      await rxds.close();
    }
  }));
