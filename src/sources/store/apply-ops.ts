import { freeze } from 'immer';
import {
  configEntryKey,
  IndexKey,
  type CatalogState,
  type CheckRecord,
  type ConfigEntryRecord,
  type ServiceRecord,
  type StoreTable,
  type SystemRecord,
  type WriteOp,
} from './catalog-state.js';
import { jsonEqual } from './json-equal.js';
import { asPersistent, type PersistentMap, type PersistentMapEditor } from './persistent-map.js';
import { carryAllGroups, CHECKS_BY_SERVICE, groupOf } from './record-groups.js';
import { StoreConflictError } from './store-errors.js';

/** What a write touched: the persisted form of the store writes exactly these keys. */
export type Touched = { readonly [T in StoreTable | 'indexes']: ReadonlySet<string> };

export interface Applied {
  readonly state: CatalogState;
  readonly touched: Touched;
}

/**
 * One map of the state during a write: changes go to a scratch copy of the persistent map (O(log n) per
 * changed key, nothing copied in full); untouched maps are shared.
 */
class Table<V> {
  private readonly editor: PersistentMapEditor<V>;
  readonly touched = new Set<string>();
  constructor(private readonly base: ReadonlyMap<string, V>) {
    this.editor = asPersistent(base).edit();
  }
  get(key: string): V | undefined {
    return this.editor.get(key);
  }
  has(key: string): boolean {
    return this.editor.has(key);
  }
  values(): IterableIterator<V> {
    return this.editor.values();
  }
  set(key: string, value: V): void {
    this.editor.set(key, freeze(value, true));
    this.touched.add(key);
  }
  delete(key: string): void {
    if (!this.has(key)) return;
    this.editor.delete(key);
    this.touched.add(key);
  }
  /** The resulting map, or the base if nothing changed. */
  result(): ReadonlyMap<string, V> {
    return this.touched.size === 0 ? this.base : this.editor.done();
  }
}

/**
 * Applies one atomic write to the state: a pure function shared by every store implementation, so that
 * they agree on semantics. The result is immutable (records immer-frozen, maps {@link PersistentMap}s);
 * maps and records that did not change are shared with the previous state, and a changed map shares all
 * but the changed paths with its previous version (O(log n) per changed key). All ops share the new index
 * `state.index + 1`. Ops that would store what is already stored are skipped; if none changes anything
 * the same state object is returned and the index does not move. Throws {@link StoreConflictError}
 * (and changes nothing) if an op cannot apply.
 */
export function applyOps(state: CatalogState, ops: readonly WriteOp[]): Applied {
  const idx = state.index + 1;
  const services = new Table<ServiceRecord>(state.services);
  const checks = new Table<CheckRecord>(state.checks);
  const configEntries = new Table<ConfigEntryRecord>(state.configEntries);
  const system = new Table<SystemRecord>(state.system);
  const indexes = new Table<number>(state.indexes);
  const touch = (key: string) => indexes.set(key, idx);
  const deleteCheck = (id: string) => {
    const old = checks.get(id);
    if (!old) return;
    checks.delete(id);
    touch(IndexKey.checks);
    touch(IndexKey.checkDefinitions);
    if (old.ServiceName) touch(IndexKey.service(old.ServiceName));
  };

  for (const op of ops) {
    switch (op.type) {
      case 'service-put': {
        const old = services.get(op.service.ID);
        if (old && sameRecord(old, op.service)) break;
        services.set(op.service.ID, { ...op.service, CreateIndex: old?.CreateIndex ?? idx, ModifyIndex: idx });
        touch(IndexKey.services);
        touch(IndexKey.service(op.service.Service));
        if (old && old.Service !== op.service.Service) touch(IndexKey.service(old.Service));
        break;
      }
      case 'service-delete': {
        const old = services.get(op.id);
        if (!old) break;
        services.delete(op.id);
        touch(IndexKey.services);
        touch(IndexKey.service(old.Service));
        // Its checks: those it had before this write, and any this write touched (by the secondary index, not a scan).
        const candidates = new Set([...groupOf(CHECKS_BY_SERVICE, state.checks, op.id).keys(), ...checks.touched]);
        for (const id of candidates) if (checks.get(id)?.ServiceID === op.id) deleteCheck(id);
        break;
      }
      case 'check-put': {
        const old = checks.get(op.check.CheckID);
        if (old && sameRecord(old, op.check)) break;
        checks.set(op.check.CheckID, { ...op.check, CreateIndex: old?.CreateIndex ?? idx, ModifyIndex: idx });
        touch(IndexKey.checks);
        touch(IndexKey.checkDefinitions);
        if (op.check.ServiceName) touch(IndexKey.service(op.check.ServiceName));
        if (old?.ServiceName && old.ServiceName !== op.check.ServiceName) touch(IndexKey.service(old.ServiceName));
        break;
      }
      case 'check-status': {
        const old = checks.get(op.checkId);
        if (!old) throw new StoreConflictError('not-found', `unknown check ID "${op.checkId}"`);
        if (old.Status === op.status && old.Output === op.output) break;
        checks.set(op.checkId, { ...old, Status: op.status, Output: op.output, ModifyIndex: idx });
        touch(IndexKey.checks);
        if (old.ServiceName) touch(IndexKey.service(old.ServiceName));
        break;
      }
      case 'check-delete':
        deleteCheck(op.checkId);
        break;
      case 'config-put': {
        const key = configEntryKey(op.entry.Kind, op.entry.Name);
        const old = configEntries.get(key);
        checkCas(op.cas, old, `config entry "${key}"`);
        if (old && sameRecord(old, op.entry)) break;
        configEntries.set(key, { ...op.entry, CreateIndex: old?.CreateIndex ?? idx, ModifyIndex: idx });
        touch(IndexKey.config);
        touch(IndexKey.configKind(op.entry.Kind));
        touch(IndexKey.configEntry(op.entry.Kind, op.entry.Name));
        break;
      }
      case 'config-delete': {
        const key = configEntryKey(op.kind, op.name);
        const old = configEntries.get(key);
        checkCas(op.cas, old, `config entry "${key}"`);
        if (!old) break;
        configEntries.delete(key);
        touch(IndexKey.config);
        touch(IndexKey.configKind(op.kind));
        touch(IndexKey.configEntry(op.kind, op.name));
        break;
      }
      case 'system-put': {
        if (typeof op.key !== 'string' || op.key === '') throw new StoreConflictError('invalid', 'a system record needs a non-empty key');
        const problem = jsonProblem(op.value, 'value');
        if (problem) throw new StoreConflictError('invalid', `system record "${op.key}": ${problem}`);
        const old = system.get(op.key);
        checkCas(op.cas, old, `system record "${op.key}"`);
        const input = { Key: op.key, Value: op.value };
        if (old && sameRecord(old, input)) break;
        system.set(op.key, { ...input, CreateIndex: old?.CreateIndex ?? idx, ModifyIndex: idx });
        touch(IndexKey.system(op.key));
        break;
      }
      case 'system-delete': {
        const old = system.get(op.key);
        checkCas(op.cas, old, `system record "${op.key}"`);
        if (!old) break;
        system.delete(op.key);
        touch(IndexKey.system(op.key));
        break;
      }
      default:
        throw new StoreConflictError('invalid', `unknown write op ${JSON.stringify((op as { type?: unknown }).type)}`);
    }
  }
  // Every check of a service must belong to a service that exists once the write is applied.
  for (const id of checks.touched) {
    const check = checks.get(id);
    if (check?.ServiceID && !services.has(check.ServiceID)) {
      throw new StoreConflictError('not-found', `check "${id}" refers to unknown service ID "${check.ServiceID}"`);
    }
  }
  const touched: Touched = {
    services: services.touched,
    checks: checks.touched,
    configEntries: configEntries.touched,
    system: system.touched,
    indexes: indexes.touched,
  };
  if (indexes.touched.size === 0) return { state, touched };
  const next: CatalogState = Object.freeze({
    index: idx,
    services: services.result(),
    checks: checks.result(),
    configEntries: configEntries.result(),
    system: system.result(),
    indexes: indexes.result(),
  });
  carryAllGroups(state, next, { services: services.touched, checks: checks.touched });
  return { state: next, touched };
}

function sameRecord(old: object, input: object): boolean {
  const { CreateIndex: _c, ModifyIndex: _m, ...rest } = old as Record<string, unknown>;
  return jsonEqual(rest, input);
}

/** `what` names the record in the error, e.g. `config entry "service-defaults/web"`. */
function checkCas(cas: number | undefined, old: { readonly ModifyIndex: number } | undefined, what: string): void {
  if (cas === undefined) return;
  const current = old?.ModifyIndex ?? 0;
  if (current !== cas) {
    throw new StoreConflictError('cas-mismatch', `check-and-set failed for ${what}: index ${cas}, current ${current}`);
  }
}

/** Why `value` would not survive a JSON round trip unchanged, or undefined if it would. */
function jsonProblem(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is not a finite number`;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const p = jsonProblem(v, `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return `${path} is not a plain JSON object`;
    for (const [k, v] of Object.entries(value)) {
      const p = jsonProblem(v, `${path}.${k}`);
      if (p) return p;
    }
    return undefined;
  }
  return `${path} is not JSON (${typeof value})`;
}
