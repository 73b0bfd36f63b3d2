import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { canonicalKey } from '../normalize-keys.js';

/**
 * The line and column (1-based) of the deepest node along `path` in a parsed YAML/JSON document. Map keys
 * are matched exactly first, then by Consul key normalization (`splits` in the file for `Splits` in the
 * error path), so an error found after normalization still points at the user's text.
 */
export function locate(
  root: unknown,
  path: readonly (string | number)[],
  lineCounter: LineCounter,
): { line: number; column: number } | undefined {
  let node = root as Node | null | undefined;
  let found: Node | undefined = node ?? undefined;
  for (const seg of path) {
    if (!node) break;
    let next: unknown;
    if (isSeq(node) && typeof seg === 'number') next = node.items[seg];
    else if (isMap(node)) {
      const pairs = node.items;
      const keyText = (k: unknown) => (isScalar(k) ? String(k.value) : String(k));
      const pair =
        pairs.find((p) => keyText(p.key) === String(seg)) ?? pairs.find((p) => canonicalKey(keyText(p.key)) === canonicalKey(String(seg)));
      next = pair?.value;
      // A field that is missing is reported at its parent.
    }
    if (!next || typeof next !== 'object' || !('range' in (next as object))) break;
    node = next as Node;
    found = node;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}
