import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UsageError } from '../address.js';

/**
 * Reads a YAML or JSON file (`-` = standard input) as a value. A file that cannot be read or parsed is a
 * usage error (exit 2) naming the file and, for YAML, the line.
 */
export async function readInputFile(path: string, stdin: () => Promise<string> = readStdin): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await stdin() : await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new UsageError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot be read (${(err as Error).message})`);
  }
  if (text.trim() === '') throw new UsageError(`${path}: the file is empty`);
  try {
    return parse(text, { prettyErrors: true }) as unknown;
  } catch (err) {
    throw new UsageError(`${path}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * The objects of a file that holds one object, a list of them, or (as the declarative `--config` file)
 * a map with a list under `key` (snake_case or PascalCase).
 */
export function objectsOf(value: unknown, path: string, key: 'services' | 'config_entries', what: string): Record<string, unknown>[] {
  let list: unknown[];
  if (Array.isArray(value)) list = value;
  else if (isObject(value) && (key in value || pascal(key) in value)) {
    const inner = value[key] ?? value[pascal(key)];
    if (!Array.isArray(inner)) throw new UsageError(`${path}: ${key} must be a list`);
    list = inner;
  } else if (isObject(value)) list = [value];
  else throw new UsageError(`${path}: expected ${what} (an object), a list of them, or a map with "${key}"`);
  if (list.length === 0) throw new UsageError(`${path}: no ${what} in the file`);
  list.forEach((item, i) => {
    if (!isObject(item)) throw new UsageError(`${path}: item ${i + 1} is not an object`);
  });
  return list as Record<string, unknown>[];
}

/** A field of a definition in any of the key cases the server accepts (Name, name, ...). */
export function field(obj: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.replace(/_/g, '').toLowerCase() === lower) return v;
  return undefined;
}

function pascal(key: string): string {
  return key.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
