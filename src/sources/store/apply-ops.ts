import { enableMapSet, produce, type Draft } from 'immer';
import {
  configEntryKey,
  IndexKey,
  type CatalogState,
  type CheckRecord,
  type ConfigEntryRecord,
  type ServiceRecord,
  type WriteOp,
} from './catalog-state.js';
import { jsonEqual } from './json-equal.js';
import { StoreConflictError } from './store-errors.js';

enableMapSet();

/** What a write touched: the persisted form of the store writes exactly these keys. */
export interface Touched {
  readonly services: ReadonlySet<string>;
  readonly checks: ReadonlySet<string>;
  readonly configEntries: ReadonlySet<string>;
  readonly indexes: ReadonlySet<string>;
}

export interface Applied {
  readonly state: CatalogState;
  readonly touched: Touched;
}

/**
 * Applies one atomic write to the state: a pure function (immer `produce`), shared by every store
 * implementation so that they agree on semantics. All ops share the new index `state.index + 1`. Ops that
 * would store what is already stored are skipped; if none changes anything the same state object is
 * returned and the index does not move. Throws {@link StoreConflictError} (and changes nothing) if an op
 * cannot apply.
 */
export function applyOps(state: CatalogState, ops: readonly WriteOp[]): Applied {
  const idx = state.index + 1;
  const touched = { services: new Set<string>(), checks: new Set<string>(), configEntries: new Set<string>(), indexes: new Set<string>() };
  const next = produce(state, (draft) => {
    const touch = (key: string) => {
      draft.indexes.set(key, idx);
      touched.indexes.add(key);
    };
    const deleteCheck = (id: string) => {
      const old = draft.checks.get(id);
      if (!old) return;
      draft.checks.delete(id);
      touched.checks.add(id);
      touch(IndexKey.checks);
      if (old.ServiceName) touch(IndexKey.service(old.ServiceName));
    };
    for (const op of ops) {
      switch (op.type) {
        case 'service-put': {
          const old = draft.services.get(op.service.ID);
          if (old && sameRecord(old, op.service)) break;
          const record = { ...op.service, CreateIndex: old?.CreateIndex ?? idx, ModifyIndex: idx } as Draft<ServiceRecord>;
          draft.services.set(op.service.ID, record);
          touched.services.add(op.service.ID);
          touch(IndexKey.services);
          touch(IndexKey.service(op.service.Service));
          if (old && old.Service !== op.service.Service) touch(IndexKey.service(old.Service));
          break;
        }
        case 'service-delete': {
          const old = draft.services.get(op.id);
          if (!old) break;
          draft.services.delete(op.id);
          touched.services.add(op.id);
          touch(IndexKey.services);
          touch(IndexKey.service(old.Service));
          for (const [id, check] of draft.checks) if (check.ServiceID === op.id) deleteCheck(id);
          break;
        }
        case 'check-put': {
          const old = draft.checks.get(op.check.CheckID);
          if (old && sameRecord(old, op.check)) break;
          const record = { ...op.check, CreateIndex: old?.CreateIndex ?? idx, ModifyIndex: idx } as Draft<CheckRecord>;
          draft.checks.set(op.check.CheckID, record);
          touched.checks.add(op.check.CheckID);
          touch(IndexKey.checks);
          if (op.check.ServiceName) touch(IndexKey.service(op.check.ServiceName));
          if (old?.ServiceName && old.ServiceName !== op.check.ServiceName) touch(IndexKey.service(old.ServiceName));
          break;
        }
        case 'check-status': {
          const old = draft.checks.get(op.checkId);
          if (!old) throw new StoreConflictError('not-found', `unknown check ID "${op.checkId}"`);
          if (old.Status === op.status && old.Output === op.output) break;
          old.Status = op.status;
          old.Output = op.output;
          old.ModifyIndex = idx;
          touched.checks.add(op.checkId);
          touch(IndexKey.checks);
          if (old.ServiceName) touch(IndexKey.service(old.ServiceName));
          break;
        }
        case 'check-delete':
          deleteCheck(op.checkId);
          break;
        case 'config-put': {
          const key = configEntryKey(op.entry.Kind, op.entry.Name);
          const old = draft.configEntries.get(key);
          checkCas(op.cas, old, key);
          if (old && sameRecord(old, op.entry)) break;
          const record = { ...op.entry, CreateIndex: old?.CreateIndex ?? idx, ModifyIndex: idx } as Draft<ConfigEntryRecord>;
          draft.configEntries.set(key, record);
          touched.configEntries.add(key);
          touch(IndexKey.config);
          touch(IndexKey.configKind(op.entry.Kind));
          touch(IndexKey.configEntry(op.entry.Kind, op.entry.Name));
          break;
        }
        case 'config-delete': {
          const key = configEntryKey(op.kind, op.name);
          const old = draft.configEntries.get(key);
          checkCas(op.cas, old, key);
          if (!old) break;
          draft.configEntries.delete(key);
          touched.configEntries.add(key);
          touch(IndexKey.config);
          touch(IndexKey.configKind(op.kind));
          touch(IndexKey.configEntry(op.kind, op.name));
          break;
        }
        default:
          throw new StoreConflictError('invalid', `unknown write op ${JSON.stringify((op as { type?: unknown }).type)}`);
      }
    }
    // Every check of a service must belong to a service that exists once the write is applied.
    for (const id of touched.checks) {
      const check = draft.checks.get(id);
      if (check?.ServiceID && !draft.services.has(check.ServiceID)) {
        throw new StoreConflictError('not-found', `check "${id}" refers to unknown service ID "${check.ServiceID}"`);
      }
    }
    if (touched.indexes.size > 0) draft.index = idx;
  });
  return { state: next, touched };
}

function sameRecord(old: object, input: object): boolean {
  const { CreateIndex: _c, ModifyIndex: _m, ...rest } = old as Record<string, unknown>;
  return jsonEqual(rest, input);
}

function checkCas(cas: number | undefined, old: { readonly ModifyIndex: number } | undefined, key: string): void {
  if (cas === undefined) return;
  const current = old?.ModifyIndex ?? 0;
  if (current !== cas) {
    throw new StoreConflictError('cas-mismatch', `check-and-set failed for config entry "${key}": index ${cas}, current ${current}`);
  }
}
