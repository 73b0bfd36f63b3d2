import { badRequest } from '../../core/http/http-error.js';
import { CONFIG_ENTRY_KINDS, isConfigEntryKind } from '../config-entries/config-entry.js';
import { readJsonBody } from '../../core/http/read-json-body.js';
import type { Router } from '../../core/http/router.js';
import { API_OWNER, type CatalogState, type ConfigEntryRecord } from '../store/catalog-state.js';
import { cachedBody, indexHeaders, type ApiContext } from './api-context.js';
import type { ConfigEntryMap } from './consul-api-deps.js';
import { configEntry } from './render.js';
import { consulConfigEntryValidator } from './config-entry-validator.js';
import { checkedWrite, mayConfigEntry } from './acl-write-check.js';


/** The config entry endpoints: write (validated, optionally check-and-set), read (blocking), delete. */
export function addConfigRoutes(router: Router, api: ApiContext): void {
  const { catalog } = api.deps;
  const validator = api.deps.configEntries ?? consulConfigEntryValidator;

  router.put('/v1/config', async ({ req, query }) => {
    const parsed = validator.parse(await readJsonBody(req, api.bodyLimit));
    if (!parsed.ok) throw badRequest(`Invalid config entry: ${parsed.error}`);
    const entry = parsed.value;
    const cas = casParam(query);
    const written = await api.writeCas(checkedWrite(api.callers.of(req), (state) => {
      const graph = validator.validateGraph(entriesOf(state), entry);
      if (!graph.ok) throw badRequest(`Invalid config entry: ${graph.error}`);
      const { Kind, Name, ...rest } = entry as ValidEntry;
      return [{ type: 'config-put', entry: { Kind, Name, Entry: { Kind, Name, ...rest }, Owner: API_OWNER }, cas }];
    }));
    return { body: written };
  });

  const listCache = new WeakMap<object, Buffer>();
  router.get('/v1/config/:kind', (ctx) => {
    const kind = knownKind(ctx.params['kind']!);
    return api.blocking(ctx, catalog.configEntries$(kind), (slice) => {
      const authz = api.callers.of(ctx.req);
      return {
        body: authz.readsEverything
          ? cachedBody(listCache, slice, (list) => list.map(configEntry))
          : slice.value.filter((e) => mayConfigEntry(authz, e.Kind, e.Name, 'read')).map(configEntry),
        headers: indexHeaders(slice.index),
      };
    });
  });

  const entryCache = new WeakMap<object, Buffer>();
  router.get('/v1/config/:kind/:name', (ctx) => {
    const kind = knownKind(ctx.params['kind']!);
    const name = ctx.params['name']!;
    return api.blocking(ctx, catalog.configEntry$(kind, name), (slice) => {
      if (!slice.value) {
        return { status: 404, body: { error: `Config entry not found for ${JSON.stringify(kind)} / ${JSON.stringify(name)}` }, headers: indexHeaders(slice.index) };
      }
      return { body: cachedBody(entryCache, slice, (e) => configEntry(e!)), headers: indexHeaders(slice.index) };
    });
  });

  router.delete('/v1/config/:kind/:name', async ({ params, query }) => {
    const kind = knownKind(params['kind']!);
    const name = params['name']!;
    const cas = casParam(query);
    const deleted = await api.writeCas((state) => {
      const check = validator.validateDeletion(entriesOf(state), kind, name);
      if (!check.ok) throw badRequest(`Cannot delete config entry: ${check.error}`);
      return [{ type: 'config-delete', kind, name, cas }];
    });
    // As Consul: the `deleted` boolean only for check-and-set deletes, `{}` otherwise.
    return { body: cas === undefined ? {} : deleted };
  });
}

type ValidEntry = { Kind: string; Name: string } & Record<string, unknown>;

function knownKind(kind: string): string {
  if (!isConfigEntryKind(kind)) {
    throw badRequest(`invalid config entry kind: ${JSON.stringify(kind)} (one of ${CONFIG_ENTRY_KINDS.join(', ')})`);
  }
  return kind;
}

function casParam(query: URLSearchParams): number | undefined {
  const raw = query.get('cas');
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`Invalid cas: ${JSON.stringify(raw)} is not a non-negative integer`);
  return Number(raw);
}

const entriesCache = new WeakMap<ReadonlyMap<string, ConfigEntryRecord>, ConfigEntryMap>();

/** The stored entries as the validator sees them (by `kind/name`), computed once per change. */
function entriesOf(state: CatalogState): ConfigEntryMap {
  let map = entriesCache.get(state.configEntries);
  if (!map) {
    map = new Map([...state.configEntries].map(([key, record]) => [key, record.Entry as unknown as ValidEntry]));
    entriesCache.set(state.configEntries, map);
  }
  return map;
}
