import { LineCounter, parseDocument } from 'yaml';
import type { Result } from '../../core/result.js';
import { formatPath } from '../../core/result.js';
import { keyOf, type ConfigEntry } from '../config-entries/config-entry.js';
import { parseConfigEntry } from '../config-entries/parse-config-entry.js';
import { canonicalKey } from '../normalize-keys.js';
import { parseAclConfig, type AclConfig } from './acl-config.js';
import type { FileContent, FileError } from './file-source-state.js';
import { locate } from './yaml-locate.js';

export interface ParseFileDeps<S> {
  /** Validates one service definition (the API's own parser, so files and API accept the same thing). */
  readonly parseService: (raw: unknown) => Result<S>;
  /** The ID a service is registered under (Consul: ID, defaulting to Name). */
  readonly serviceId?: (s: S) => string;
}

export function defaultServiceId(s: unknown): string {
  const o = s as { ID?: unknown; Name?: unknown };
  return typeof o.ID === 'string' && o.ID !== '' ? o.ID : String(o.Name ?? '');
}

const TOP_LEVEL = new Map([
  ['Services', 'services'],
  ['ConfigEntries', 'config_entries'],
  ['ACL', 'acl'],
]);

/**
 * Parses and validates the text of a declarative file (YAML, or JSON which is read by the same parser):
 * `services`, `config_entries`, `acl`, keys in PascalCase or snake_case. Duplicate service IDs or config
 * entries inside the file are refused. An empty file is refused too: it is far more often an editor's
 * half-written save than a wish to remove everything (write `services: []` for that).
 * Errors carry the line of the offending item or field.
 */
export function parseConfigFile<S>(text: string, file: string, deps: ParseFileDeps<S>): { ok: true; content: FileContent<S> } | { ok: false; error: FileError } {
  const fail = (message: string, field?: string, line?: number, column?: number) =>
    ({ ok: false as const, error: { file, message, ...(field ? { field } : {}), ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) } });
  if (text.trim() === '') return fail('the file is empty (write `services: []` to declare nothing)');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return fail(`invalid YAML/JSON: ${message}`, undefined, pos?.line, pos?.col);
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fail('the file must be a mapping with services, config_entries and/or acl', undefined, 1);
  }
  const at = (path: (string | number)[]) => locate(doc.contents, path, lineCounter);
  const raw: Record<string, { key: string; value: unknown }> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const canon = canonicalKey(k);
    if (!TOP_LEVEL.has(canon)) {
      const pos = at([k]);
      return fail(`unknown top-level key "${k}" (expected services, config_entries, acl)`, undefined, pos?.line, pos?.column);
    }
    raw[canon] = { key: k, value: v };
  }

  const serviceId = deps.serviceId ?? defaultServiceId;
  const services: S[] = [];
  const seenIds = new Map<string, number>();
  const svc = raw['Services'];
  if (svc && svc.value !== null) {
    if (!Array.isArray(svc.value)) return fail('must be a list of service definitions', svc.key, at([svc.key])?.line);
    for (const [i, item] of svc.value.entries()) {
      const r = deps.parseService(item);
      if (!r.ok) {
        const path = [svc.key, i, ...(r.path ?? [])];
        const pos = at(path);
        return fail(stripFieldPrefix(r.error, r.path), formatPath(path), pos?.line, pos?.column);
      }
      const id = serviceId(r.value);
      const first = seenIds.get(id);
      if (first !== undefined) {
        return fail(`duplicate service ID "${id}" (also ${svc.key}[${first}])`, `${svc.key}[${i}]`, at([svc.key, i])?.line);
      }
      seenIds.set(id, i);
      services.push(r.value);
    }
  }

  const configEntries: ConfigEntry[] = [];
  const seenKeys = new Map<string, number>();
  const ce = raw['ConfigEntries'];
  if (ce && ce.value !== null) {
    if (!Array.isArray(ce.value)) return fail('must be a list of config entries', ce.key, at([ce.key])?.line);
    for (const [i, item] of ce.value.entries()) {
      const r = parseConfigEntry(item);
      if (!r.ok) {
        const path = [ce.key, i, ...(r.path ?? [])];
        const pos = at(path);
        return fail(stripFieldPrefix(r.error, r.path), formatPath(path), pos?.line, pos?.column);
      }
      const key = keyOf(r.value);
      const first = seenKeys.get(key);
      if (first !== undefined) return fail(`duplicate config entry ${key} (also ${ce.key}[${first}])`, `${ce.key}[${i}]`, at([ce.key, i])?.line);
      seenKeys.set(key, i);
      configEntries.push(r.value);
    }
  }

  let acl: AclConfig | undefined;
  const a = raw['ACL'];
  if (a && a.value !== null) {
    const r = parseAclConfig(a.value);
    if (!r.ok) {
      const path = [a.key, ...(r.path ?? [])];
      const pos = at(path);
      return fail(stripFieldPrefix(r.error, r.path), formatPath(path), pos?.line, pos?.column);
    }
    acl = r.value;
  }
  return { ok: true, content: { services, configEntries, ...(acl ? { acl } : {}) } };
}

/** Parsers name the field at the start of their message (`Splits[0].Weight: ...`); the file error names it itself. */
function stripFieldPrefix(message: string, path: readonly (string | number)[] | undefined): string {
  if (!path || path.length === 0) return message;
  const prefix = `${formatPath(path)}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
