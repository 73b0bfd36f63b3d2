import type { Issue } from './common.js';

/**
 * How deeply a service definition, config entry or ACL section may nest. Real inputs stay far below this
 * (a sidecar upstream's Config is about 8 levels down); the limit exists because key normalization and
 * schema checks recurse, and a body of a few kilobytes of `[[[[...` would otherwise exhaust the stack.
 */
export const MAX_INPUT_DEPTH = 64;

/**
 * What no parser should have to deal with, found before any of them runs (without recursion, so the
 * check itself cannot overflow): nesting deeper than `maxDepth`, and `__proto__` as a key. JSON.parse
 * makes `__proto__` an ordinary key, but copying it into a plain object changes that object's prototype
 * instead, so schema checks silently drop it (a `Meta` or `Subsets` entry that vanishes after a 200).
 * Refusing it names the field, as every other validation error does.
 */
export function inputShapeProblem(raw: unknown, maxDepth: number = MAX_INPUT_DEPTH): Issue | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: raw, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= maxDepth) {
      return { path, message: `nested too deeply (more than ${maxDepth} levels)` };
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(value, '__proto__')) {
      return { path: [...path, '__proto__'], message: '"__proto__" is not allowed as a key' };
    }
    const entries = Object.entries(value as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] });
  }
  return undefined;
}
