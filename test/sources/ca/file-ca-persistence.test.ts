import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_STATE_FILE, CaPersistenceError, createFileCaPersistence } from '../../../src/sources/ca/file-ca-persistence.js';
import { encodeCaState } from '../../../src/sources/ca/ca-state-codec.js';
import type { CaState } from '../../../src/sources/ca/ca-types.js';

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n';

function state(over: Partial<CaState> = {}): CaState {
  return {
    trustDomain: 'rxds.local',
    activeRootId: 'bb:02',
    leafTtlMs: 259_200_000,
    roots: [
      { id: 'aa:01', certPem: PEM_CERT, privateKeyPem: PEM_KEY, createdAt: 1, notBefore: 1, notAfter: 9, leavesValidUntil: 5 },
      { id: 'bb:02', certPem: PEM_CERT, privateKeyPem: PEM_KEY, createdAt: 2, notBefore: 2, notAfter: 9 },
    ],
    ...over,
  };
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rxds-ca-persist-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('nothing saved yet loads as undefined; a saved state loads back equal', () =>
  withDir(async (dir) => {
    const p = createFileCaPersistence(join(dir, 'data'));
    assert.equal(await p.load(), undefined);
    await p.save(state());
    assert.deepEqual(await createFileCaPersistence(join(dir, 'data')).load(), state());
  }));

test('the file holds private keys: it is written with mode 0600, and no temporary file is left', () =>
  withDir(async (dir) => {
    const p = createFileCaPersistence(dir);
    await p.save(state());
    await p.save(state({ activeRootId: 'aa:01' }));
    assert.equal((await stat(join(dir, CA_STATE_FILE))).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), [CA_STATE_FILE]);
    assert.equal((await p.load())?.activeRootId, 'aa:01');
  }));

test('a save that fails is reported and leaves no temporary file behind', () =>
  withDir(async (dir) => {
    // The target is a directory: the rename over it fails after the temporary file was written.
    await mkdir(join(dir, CA_STATE_FILE));
    await assert.rejects(createFileCaPersistence(dir).save(state()));
    assert.deepEqual(await readdir(dir), [CA_STATE_FILE]);
  }));

test('a damaged or inconsistent file is refused with an error naming the file and the field', () =>
  withDir(async (dir) => {
    const file = join(dir, CA_STATE_FILE);
    const p = createFileCaPersistence(dir);
    const cases: [string, RegExp][] = [
      ['{"version": 1, ', /not JSON/],
      [encodeCaState(state()).replace('"version": 1', '"version": 7'), /version/],
      [encodeCaState(state({ activeRootId: 'cc:03' })), /activeRootId: cc:03 is not one of the roots/],
      [encodeCaState(state({ roots: [] })), /roots/],
      [encodeCaState(state({ trustDomain: 'UPPER' })), /trustDomain/],
      [encodeCaState({ ...state(), roots: [state().roots[1]!, state().roots[1]!] }), /roots\[1\]\.id: duplicate/],
      [encodeCaState(state()).replace(PEM_KEY.trim().replaceAll('\n', '\\n'), 'not a key'), /roots\[0\]\.privateKeyPem: expected a PEM PRIVATE KEY/],
    ];
    for (const [text, re] of cases) {
      await writeFile(file, text);
      const err = await p.load().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof CaPersistenceError, text);
      assert.match(err.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.match(err.message, re);
    }
  }));
