import { access } from 'node:fs/promises';
import type { Logger } from '../../core/logger.js';
import type { CaPersistence } from './ca-types.js';
import { CaStateChangedError, type StoreCaPersistence } from './store-ca-persistence.js';

export type CaStateImport = 'imported' | 'ignored' | 'none';

/**
 * The one-time upgrade from rxds versions that kept the CA state in `<data-dir>/ca.json`: when the
 * store has no CA state yet and the file exists, its state (roots and keys) is copied into the store,
 * so an upgraded rxds keeps its root and the leaves it signed stay trusted. From then on the file is
 * not used; it is left on disk (the log says it can be deleted). A damaged file fails the import with
 * its error (a new root would silently distrust every leaf in use). Resolves with what happened:
 * `imported`, `ignored` (the store already has CA state; the file exists and is not read), or `none`.
 */
export async function importCaStateFile(
  file: CaPersistence & { readonly path: string },
  store: StoreCaPersistence,
  logger: Logger,
): Promise<CaStateImport> {
  const exists = await access(file.path).then(
    () => true,
    () => false,
  );
  if (!exists) return 'none';
  if ((await store.load()) !== undefined) {
    logger.info({ file: file.path, key: store.key }, 'the CA state is kept in the store: the old CA state file is not used and can be deleted');
    return 'ignored';
  }
  const state = await file.load();
  if (!state) return 'none';
  try {
    await store.save(state);
  } catch (e) {
    if (!(e instanceof CaStateChangedError)) throw e;
    logger.warn({ file: file.path, key: store.key }, 'another replica stored CA state first: it is used, the old CA state file is not imported');
    return 'ignored';
  }
  logger.warn(
    { file: file.path, key: store.key, rootId: state.activeRootId, roots: state.roots.length },
    'CA state imported from the old CA state file into the store; the file is no longer used and can be deleted (it holds the root private keys)',
  );
  return 'imported';
}
