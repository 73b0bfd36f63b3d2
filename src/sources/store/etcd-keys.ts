import { STORE_TABLES } from './catalog-state.js';

/**
 * How the catalog lives in etcd: one key per record under a prefix, the JSON record (as {@link applyOps}
 * produced it, CreateIndex/ModifyIndex included) as its value.
 *
 *   <prefix><table>/<key>   a record of a table of the state (`services/web-1`, `configEntries/service-defaults/web`,
 *                           `system/connect-ca`)
 *   <prefix>indexes/<key>   a per-slice index (`indexes/service/web`): the number
 *   <prefix>meta/index      the store index and the write that set it: `{"index":N,"writer":"<token>"}`
 *   <prefix>meta/schema     the layout version
 *   <prefix>ttl/<checkId>   the last TTL update of a check, shared between replicas (not part of the state)
 *
 * Every write puts `meta/index`, so writes are totally ordered by it and a Txn guarded by its mod revision
 * is guarded against every other write.
 */

/** The tables kept as one key per record: the store's record maps ({@link STORE_TABLES}; `indexes` has its own keys). */
export const RECORD_TABLES: readonly string[] = STORE_TABLES;

export const ETCD_SCHEMA_VERSION = 1;

export type ParsedKey =
  | { readonly kind: 'record'; readonly table: string; readonly key: string }
  | { readonly kind: 'index'; readonly key: string }
  | { readonly kind: 'meta-index' }
  | { readonly kind: 'ttl'; readonly checkId: string }
  | { readonly kind: 'other' };

export interface EtcdKeys {
  readonly prefix: string;
  record(table: string, key: string): string;
  index(key: string): string;
  ttl(checkId: string): string;
  readonly metaIndex: string;
  readonly metaSchema: string;
  /** The end of the prefix's key range (etcd `range_end`). */
  readonly rangeEnd: Buffer;
  parse(key: string): ParsedKey;
}

export function etcdKeys(prefix: string, tables: readonly string[] = RECORD_TABLES): EtcdKeys {
  if (!prefix.endsWith('/')) prefix = `${prefix}/`;
  const tableSet = new Set(tables);
  const metaIndex = `${prefix}meta/index`;
  return {
    prefix,
    record: (table, key) => `${prefix}${table}/${key}`,
    index: (key) => `${prefix}indexes/${key}`,
    ttl: (checkId) => `${prefix}ttl/${checkId}`,
    metaIndex,
    metaSchema: `${prefix}meta/schema`,
    rangeEnd: prefixEnd(Buffer.from(prefix)),
    parse(key) {
      if (!key.startsWith(prefix)) return { kind: 'other' };
      if (key === metaIndex) return { kind: 'meta-index' };
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) return { kind: 'other' };
      const table = rest.slice(0, slash);
      const k = rest.slice(slash + 1);
      if (table === 'indexes') return { kind: 'index', key: k };
      if (table === 'ttl') return { kind: 'ttl', checkId: k };
      if (tableSet.has(table)) return { kind: 'record', table, key: k };
      return { kind: 'other' };
    },
  };
}

/** The smallest key greater than every key starting with `prefix` (etcd's range end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export interface MetaIndex {
  readonly index: number;
  /** The token of the write that set it, so a writer can recognise its own commit after a lost reply. */
  readonly writer: string;
}

export function encodeMetaIndex(meta: MetaIndex): string {
  return JSON.stringify(meta);
}

/** The meta value, or undefined if it is not one (then the key is treated as absent). */
export function decodeMetaIndex(value: string): MetaIndex | undefined {
  try {
    const v = JSON.parse(value) as Partial<MetaIndex>;
    if (typeof v.index === 'number' && Number.isSafeInteger(v.index) && v.index >= 1) {
      return { index: v.index, writer: typeof v.writer === 'string' ? v.writer : '' };
    }
  } catch {
    // not JSON
  }
  return undefined;
}
