import type { IncomingMessage } from 'node:http';
import { badRequest, notFound } from '../../core/http/http-error.js';
import { readJsonBody } from '../../core/http/read-json-body.js';
import type { Router } from '../../core/http/router.js';
import { deregistrationOps, registrationOps } from '../catalog/registration.js';
import { parseServiceDefinition } from '../catalog/service-definition.js';
import { API_OWNER, CHECK_STATUSES, type CatalogState, type CheckRecord, type CheckStatus, type ServiceRecord } from '../store/catalog-state.js';
import { cachedBody, indexHeaders, type ApiContext } from './api-context.js';
import { agentService, healthCheck } from './render.js';
import { checkedWrite } from './acl-write-check.js';

/** Consul keeps at most this much check output (its default `check_output_max_size`). */
const MAX_OUTPUT = 4096;

/** The agent endpoints: registration, deregistration, TTL updates, and the agent's services and checks. */
export function addAgentRoutes(router: Router, api: ApiContext): void {
  const { catalog } = api.deps;

  router.put('/v1/agent/service/register', async ({ req, query }) => {
    const parsed = parseServiceDefinition(await readJsonBody(req, api.bodyLimit));
    if (!parsed.ok) throw badRequest(`Invalid service definition: ${parsed.error}`);
    const keepMissingChecks = !flag(query, 'replace-existing-checks');
    await api.write(
      checkedWrite(api.callers.of(req), (state) =>
        registrationOps(state, parsed.value, API_OWNER, { keepMissingChecks, sidecarPorts: api.deps.sidecarPorts }),
      ),
    );
    return {};
  });

  router.put('/v1/agent/service/deregister/*id', async ({ req, params }) => {
    const id = params['id']!;
    await api.write(checkedWrite(api.callers.of(req), (state) => {
      const ops = deregistrationOps(state, id);
      if (!ops) throw notFound(`Unknown service ID ${JSON.stringify(id)}. Ensure that the service ID is passed, not the service name.`);
      return ops;
    }));
    return {};
  });

  for (const [verb, status] of [['pass', 'passing'], ['warn', 'warning'], ['fail', 'critical']] as const) {
    router.put(`/v1/agent/check/${verb}/*id`, async ({ req, params, query }) => {
      await updateTtl(req, params['id']!, status, query.get('note') ?? '');
      return {};
    });
  }

  router.put('/v1/agent/check/update/*id', async ({ req, params }) => {
    const body = await readJsonBody(req, api.bodyLimit);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('body must be a JSON object {"Status", "Output"}');
    const fields = Object.fromEntries(Object.entries(body).map(([k, v]) => [k.toLowerCase(), v]));
    const status = fields['status'];
    const output = fields['output'] ?? '';
    if (!CHECK_STATUSES.includes(status as CheckStatus)) {
      throw badRequest(`Status: must be one of ${CHECK_STATUSES.join(', ')} (got ${JSON.stringify(status)})`);
    }
    if (typeof output !== 'string') throw badRequest('Output: must be a string');
    await updateTtl(req, params['id']!, status as CheckStatus, output);
    return {};
  });

  const servicesCache = new WeakMap<object, Buffer>();
  router.get('/v1/agent/services', (ctx) =>
    api.blocking(ctx, catalog.services$, (slice) => {
      const authz = api.callers.of(ctx.req);
      const render = (list: readonly ServiceRecord[]) => Object.fromEntries(list.map((s) => [s.ID, agentService(s, api.node)]));
      return {
        body: authz.readsEverything
          ? cachedBody(servicesCache, slice, render)
          : render(slice.value.filter((s) => authz.serviceRead(s.Service))),
        headers: indexHeaders(slice.index),
      };
    }),
  );

  const checksCache = new WeakMap<object, Buffer>();
  router.get('/v1/agent/checks', (ctx) =>
    api.blocking(ctx, catalog.checks$, (slice) => {
      const authz = api.callers.of(ctx.req);
      const render = (list: readonly CheckRecord[]) => Object.fromEntries(list.map((c) => [c.CheckID, healthCheck(c, api.node)]));
      return {
        body: authz.readsEverything
          ? cachedBody(checksCache, slice, render)
          : render(slice.value.filter((c) => (c.ServiceID ? authz.serviceRead(c.ServiceName) : authz.operatorRead()))),
        headers: indexHeaders(slice.index),
      };
    }),
  );

  async function updateTtl(req: IncomingMessage, id: string, status: CheckStatus, output: string): Promise<void> {
    await api.write(checkedWrite(api.callers.of(req), (state: CatalogState) => {
      const check = state.checks.get(id);
      if (!check) throw notFound(`Unknown check ID ${JSON.stringify(id)}. Ensure that the check ID is passed, not the check name.`);
      if (check.Type !== 'ttl') throw badRequest(`check ${JSON.stringify(id)} is not a TTL check (its status comes from its ${check.Type} probe)`);
      return [{ type: 'check-status', checkId: id, status, output: output.slice(0, MAX_OUTPUT) }];
    }));
    api.deps.health?.ttlUpdated?.(id, status, output.slice(0, MAX_OUTPUT));
  }
}

/** Consul's boolean query flags: present without a value, or `true`/`1`. */
export function flag(query: URLSearchParams, name: string): boolean {
  if (!query.has(name)) return false;
  const v = query.get(name)!.toLowerCase();
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`Invalid value for ?${name}: ${JSON.stringify(v)} (use true or false)`);
}
