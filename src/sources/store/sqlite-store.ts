import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freeze } from 'immer';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { SourceStatusRegistry } from '../source-status.js';
import type { Touched } from './apply-ops.js';
import { STORE_TABLES, type CatalogState, type StoreTable } from './catalog-state.js';
import { PersistentMap, type PersistentMapEditor } from './persistent-map.js';
import type { StateStore } from './state-store.js';
import { createStoreCore } from './store-core.js';

export interface SqliteStoreOptions {
  readonly logger?: Logger;
  /** Where the store reports itself (as `store`). */
  readonly sourceStatus?: SourceStatusRegistry;
  /** The database file inside the data dir; default `rxds.db`. */
  readonly fileName?: string;
}

// Adding a kind of record (a new `tbl` value in `records`) is not a schema change: older data dirs
// simply have no rows of it, and an older rxds ignores rows of a kind it does not know.
const SCHEMA_VERSION = 1;

/**
 * The embedded store: SQLite in `dir` (WAL, `synchronous=FULL`: a write is on disk before `write`
 * resolves, so it survives `kill -9` and power loss). Every record is one row (its JSON) in `records`,
 * the per-slice indexes are rows of `indexes`, the store index a row of `meta`; writes arriving in the
 * same event-loop turn are committed together in one SQLite transaction (group commit: one fsync for
 * all), each with its own index, and none is acknowledged before that commit. The state is loaded once at open and kept in memory; the database is opened in exclusive
 * locking mode, so a second process on the same data dir fails to open instead of diverging.
 */
export async function openSqliteStore(dir: string, options: SqliteStoreOptions = {}): Promise<StateStore> {
  const logger = options.logger ?? silentLogger;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, options.fileName ?? 'rxds.db');
  keepPrivate(path, logger);
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS records (tbl TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS indexes (key TEXT PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const schema = db.prepare<[], { value: number }>(`SELECT value FROM meta WHERE key = 'schema'`).get();
    if (schema && schema.value > SCHEMA_VERSION) {
      throw new Error(`${path} has schema version ${schema.value}; this rxds reads up to ${SCHEMA_VERSION}`);
    }
    if (!schema) db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', ?)`).run(SCHEMA_VERSION);
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new Error(`the data dir ${dir} is in use by another rxds process (${path} is locked)`, { cause: err });
    }
    throw err;
  }

  let initial: CatalogState;
  try {
    initial = load(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  const upsert = db.prepare<[string, string, string]>(`INSERT OR REPLACE INTO records (tbl, key, body) VALUES (?, ?, ?)`);
  const remove = db.prepare<[string, string]>(`DELETE FROM records WHERE tbl = ? AND key = ?`);
  const setIndex = db.prepare<[string, number]>(`INSERT OR REPLACE INTO indexes (key, idx) VALUES (?, ?)`);
  const setMeta = db.prepare<[number]>(`INSERT OR REPLACE INTO meta (key, value) VALUES ('index', ?)`);
  const persist = db.transaction((next: CatalogState, touched: Touched) => {
    for (const table of STORE_TABLES) {
      const map = next[table] as ReadonlyMap<string, unknown>;
      for (const key of touched[table]) {
        const record = map.get(key);
        if (record === undefined) remove.run(table, key);
        else upsert.run(table, key, JSON.stringify(record));
      }
    }
    for (const key of touched.indexes) setIndex.run(key, next.indexes.get(key)!);
    setMeta.run(next.index);
  });

  const status = options.sourceStatus;
  status?.report('store', { state: 'ok', changeIndex: initial.index });
  logger.info({ path, index: initial.index, services: initial.services.size }, 'store opened');
  return createStoreCore(initial, (next, touched) => persist(next, touched), {
    // Concurrent writes share one commit (one fsync): what arrives in the same event-loop turn.
    groupCommit: true,
    onWritten: (index) => status?.report('store', { state: 'ok', changeIndex: index }),
    onPersistError: (err) => {
      logger.error({ err, path }, 'store write failed');
      status?.report('store', { state: 'degraded', error: `write failed: ${(err as Error).message}` });
    },
    close: () => db.close(),
  });
}

/**
 * The database holds secrets (the CA's private keys live in `system` records): it is created with mode
 * 0600 (SQLite gives its -wal and -shm files the database file's mode), and an existing one readable by
 * group or others is tightened to 0600. Only files that exist are touched by path (chmod): opening and
 * closing a descriptor here would drop SQLite's POSIX locks on a database already open in this process.
 */
function keepPrivate(path: string, logger: Logger): void {
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    return;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) === 0) continue;
      chmodSync(file, 0o600);
      logger.info({ file }, 'store file made private (mode 0600): it holds the CA private keys');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ err: e, file }, 'could not make the store file private');
    }
  }
}

function load(db: Database.Database, path: string): CatalogState {
  const maps = Object.fromEntries(STORE_TABLES.map((t) => [t, PersistentMap.empty<unknown>().edit()])) as Record<StoreTable, PersistentMapEditor<unknown>>;
  for (const row of db.prepare<[], { tbl: string; key: string; body: string }>(`SELECT tbl, key, body FROM records`).iterate()) {
    const map = Object.hasOwn(maps, row.tbl) ? maps[row.tbl as StoreTable] : undefined;
    if (!map) continue;
    try {
      map.set(row.key, freeze(JSON.parse(row.body) as unknown, true));
    } catch (e) {
      throw new Error(`${path}: the ${row.tbl} record "${row.key}" is not JSON (${(e as Error).message})`, { cause: e });
    }
  }
  const indexes = PersistentMap.empty<number>().edit();
  for (const row of db.prepare<[], { key: string; idx: number }>(`SELECT key, idx FROM indexes`).iterate()) {
    indexes.set(row.key, row.idx);
  }
  const meta = db.prepare<[], { value: number }>(`SELECT value FROM meta WHERE key = 'index'`).get();
  const done = <K extends StoreTable>(t: K) => maps[t].done() as unknown as CatalogState[K];
  return {
    index: Math.max(meta?.value ?? 1, 1),
    services: done('services'),
    checks: done('checks'),
    configEntries: done('configEntries'),
    system: done('system'),
    indexes: indexes.done(),
  };
}
