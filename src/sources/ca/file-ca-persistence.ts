import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CaPersistence, CaState } from './ca-types.js';
import { decodeCaState, encodeCaState } from './ca-state-codec.js';

/** The persisted CA state could not be read: the message names the file and the field. */
export class CaPersistenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaPersistenceError';
  }
}

export const CA_STATE_FILE = 'ca.json';

/**
 * Keeps the CA state in `<dataDir>/ca.json` (mode 0600: it holds the root keys). `rxds serve` keeps the
 * CA state in the store (`createStoreCaPersistence`) and reads this file only to import it once
 * from older data dirs; embedders without a store may still use it. A save writes a
 * temporary file in the same directory, fsyncs it, renames it over the old one and fsyncs the
 * directory, so a crash leaves either the old or the new state, never a torn file.
 */
export function createFileCaPersistence(dataDir: string, fileName = CA_STATE_FILE): CaPersistence & { readonly path: string } {
  const path = join(dataDir, fileName);
  return {
    path,
    async load(): Promise<CaState | undefined> {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new CaPersistenceError(`cannot read CA state ${path}: ${(e as Error).message}`);
      }
      const decoded = decodeCaState(text);
      if (!decoded.ok) throw new CaPersistenceError(`CA state ${path} is invalid: ${decoded.error}`);
      return decoded.value;
    },
    async save(state: CaState): Promise<void> {
      await writeFileAtomic(path, encodeCaState(state));
    },
  };
}

async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const d = await open(dir, constants.O_RDONLY);
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
