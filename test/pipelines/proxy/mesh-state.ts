// Builds catalog states from Consul-shaped service definitions and config entries, through the same parse
// and registration functions the HTTP API uses, so pipeline tests start from what a real client would store.
import { registrationOps, deregistrationOps } from '../../../src/sources/catalog/registration.js';
import { parseServiceDefinition, type ServiceDefinition } from '../../../src/sources/catalog/service-definition.js';
import type { ConfigEntry } from '../../../src/sources/config-entries/config-entry.js';
import { parseConfigEntry } from '../../../src/sources/config-entries/parse-config-entry.js';
import { applyOps } from '../../../src/sources/store/apply-ops.js';
import { API_OWNER, EMPTY_CATALOG_STATE, type CatalogState, type CheckStatus, type WriteOp } from '../../../src/sources/store/catalog-state.js';

export type RawService = Record<string, unknown>;
export type RawEntry = Record<string, unknown>;

/** Registers a service definition (with its sidecar, if any), as PUT /v1/agent/service/register does. */
export function register(state: CatalogState, raw: RawService): CatalogState {
  const def = parseServiceDefinition(raw);
  if (!def.ok) throw new Error(`bad service definition: ${def.error}`);
  return applyOps(state, registrationOps(state, def.value, API_OWNER)).state;
}

export function deregister(state: CatalogState, id: string): CatalogState {
  const ops = deregistrationOps(state, id);
  if (!ops) throw new Error(`no service ${id}`);
  return applyOps(state, ops).state;
}

/** Writes a config entry, as PUT /v1/config does (validated by the entry's own rules). */
export function writeEntry(state: CatalogState, raw: RawEntry): CatalogState {
  const parsed = parseConfigEntry(raw);
  if (!parsed.ok) throw new Error(`bad config entry: ${parsed.error}`);
  const { Kind, Name, ...rest } = parsed.value as unknown as { Kind: string; Name: string };
  const op: WriteOp = { type: 'config-put', entry: { Kind, Name, Entry: { Kind, Name, ...rest }, Owner: API_OWNER } };
  return applyOps(state, [op]).state;
}

export function deleteEntry(state: CatalogState, kind: string, name: string): CatalogState {
  return applyOps(state, [{ type: 'config-delete', kind, name }]).state;
}

export function setCheck(state: CatalogState, checkId: string, status: CheckStatus): CatalogState {
  return applyOps(state, [{ type: 'check-status', checkId, status, output: '' }]).state;
}

/** A state with all of these registered and written, in order. */
export function mesh(services: readonly RawService[], entries: readonly RawEntry[] = [], from: CatalogState = EMPTY_CATALOG_STATE): CatalogState {
  let s = from;
  for (const e of entries) s = writeEntry(s, e);
  for (const svc of services) s = register(s, svc);
  return s;
}

/** An instance of `name` on 127.0.0.1:`port` (no checks: passing), optionally with a sidecar. */
export function instance(name: string, id: string, port: number, extra: RawService = {}): RawService {
  return { Name: name, ID: id, Address: '127.0.0.1', Port: port, ...extra };
}

/** A state from already-validated definitions and entries (e.g. a parsed declarative file). */
export function meshOf(defs: readonly ServiceDefinition[], entries: readonly ConfigEntry[]): CatalogState {
  let s = EMPTY_CATALOG_STATE;
  for (const e of entries) {
    const { Kind, Name, ...rest } = e as unknown as { Kind: string; Name: string };
    s = applyOps(s, [{ type: 'config-put', entry: { Kind, Name, Entry: { Kind, Name, ...rest }, Owner: API_OWNER } }]).state;
  }
  for (const d of defs) s = applyOps(s, registrationOps(s, d, API_OWNER)).state;
  return s;
}

/** The write ops of a registration (for a real store's `write`). */
export function registrationOpsOf(state: CatalogState, raw: RawService): WriteOp[] {
  const def = parseServiceDefinition(raw);
  if (!def.ok) throw new Error(`bad service definition: ${def.error}`);
  return registrationOps(state, def.value, API_OWNER);
}
