import { ScalarType, type DescEnum, type DescMessage } from '@bufbuild/protobuf';
import type { ValueCheck } from './violation.js';
import { indexPath } from './violation.js';

/** Rules on a whole repeated field or map: sizes, uniqueness, sparseness. */

export const LIST_RULES = ['min_items', 'max_items', 'unique', 'items'] as const;
export const MAP_RULES = ['min_pairs', 'max_pairs', 'no_sparse', 'keys', 'values'] as const;

interface Element {
  readonly scalar?: ScalarType;
  readonly enum?: DescEnum;
  readonly message?: DescMessage;
}

/** A comparable key for `unique`: bytes by content, everything else by value. */
function uniqueKey(v: unknown): unknown {
  return v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : v;
}

export function compileCollection(
  kind: 'repeated' | 'map',
  present: ReadonlyMap<string, unknown>,
  element: Element,
  unsupported: string[],
): ValueCheck | undefined {
  const [minName, maxName, noun] = kind === 'repeated' ? ['min_items', 'max_items', 'items'] : ['min_pairs', 'max_pairs', 'pairs'];
  const min = present.has(minName) ? Number(present.get(minName)) : undefined;
  const max = present.has(maxName) ? Number(present.get(maxName)) : undefined;
  let unique = present.get('unique') === true;
  if (unique && element.message) {
    unsupported.push('repeated.unique on message elements');
    unique = false;
  }
  const noSparse = present.get('no_sparse') === true;
  if (min === undefined && max === undefined && !unique && !noSparse) return undefined;
  return (value, path, ctx) => {
    const isList = Array.isArray(value);
    if (isList !== (kind === 'repeated') || typeof value !== 'object' || value === null) {
      ctx.report(path, 'type', `expected a ${kind === 'repeated' ? 'list' : 'map'}`);
      return;
    }
    const entries = isList ? (value as unknown[]) : Object.keys(value);
    const n = entries.length;
    if (min !== undefined && n < min) ctx.report(path, `${kind}.${minName}`, `must have at least ${min} ${noun}, got ${n}`);
    if (max !== undefined && n > max) ctx.report(path, `${kind}.${maxName}`, `must have at most ${max} ${noun}, got ${n}`);
    if (unique) {
      const seen = new Set<unknown>();
      (value as unknown[]).forEach((item, i) => {
        const k = uniqueKey(item);
        if (seen.has(k)) ctx.report(indexPath(path, i, false), 'repeated.unique', 'repeats an earlier item; items must be unique');
        seen.add(k);
      });
    }
    if (noSparse) {
      const rec = value as Record<string, unknown>;
      for (const k of entries as string[]) {
        if (rec[k] === undefined || rec[k] === null) ctx.report(indexPath(path, k, true), 'map.no_sparse', 'map value must be set');
      }
    }
  };
}

/** Converts a JS object key of a protobuf-es map back to the key's scalar type. */
export function mapKeyConverter(keyType: ScalarType): (key: string) => unknown {
  switch (keyType) {
    case ScalarType.BOOL:
      return (k) => k === 'true';
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return (k) => (/^-?\d+$/.test(k) ? BigInt(k) : k);
    case ScalarType.STRING:
      return (k) => k;
    default:
      return (k) => Number(k);
  }
}
