import type {
  CatalogState,
  CheckInput,
  Owner,
  ServiceInput,
  ServiceProxy,
  WriteOp,
} from '../store/catalog-state.js';
import { CHECKS_BY_SERVICE, groupOf, SERVICES_BY_PARENT, SERVICES_BY_PORT } from '../store/record-groups.js';
import type { CheckSpec } from './check-definition.js';
import type { ProxySpec, ServiceDefinition } from './service-definition.js';

/** Consul's default sidecar port range. */
export const SIDECAR_PORTS = { min: 21000, max: 21255 } as const;

/** A registration that cannot be applied to the current state (e.g. no free sidecar port). */
export class RegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrationError';
  }
}

export interface RegistrationOptions {
  readonly sidecarPorts?: { readonly min: number; readonly max: number };
  /**
   * Keep checks of the service that the new definition does not have (Consul's API default, unless
   * `?replace-existing-checks` is set). Default false: the definition's checks replace the old ones.
   */
  readonly keepMissingChecks?: boolean;
}

/**
 * The writes that register a service definition as Consul's agent does: the service, its checks
 * (`service:<id>` for an only check, `service:<id>:<N>` for several, unless a CheckID is given; a check
 * that already exists keeps its status and output), checks it no longer has removed (unless
 * `keepMissingChecks`), and its
 * `Connect.SidecarService` as a `connect-proxy` service `<id>-sidecar-proxy` (port from the definition,
 * the port it already had, or the lowest free one in 21000-21255). A sidecar the new definition no longer
 * has is removed. Pure: reads `state`, returns ops.
 */
export function registrationOps(
  state: CatalogState,
  def: ServiceDefinition,
  owner: Owner,
  options: RegistrationOptions = {},
): WriteOp[] {
  const ops: WriteOp[] = [];
  const main: ServiceInput = {
    ID: def.ID,
    Service: def.Name,
    Kind: def.Kind,
    Tags: def.Tags,
    Meta: def.Meta,
    Address: def.Address,
    Port: def.Port,
    Weights: def.Weights,
    EnableTagOverride: def.EnableTagOverride,
    ...(def.TaggedAddresses ? { TaggedAddresses: def.TaggedAddresses } : {}),
    ...(def.Proxy ? { Proxy: proxyOf(def.Proxy, { name: '', id: '', address: '', port: 0 }) } : {}),
    ...(def.Connect ? { Connect: def.Connect } : {}),
    Owner: owner,
  };
  const keep = options.keepMissingChecks ?? false;
  ops.push({ type: 'service-put', service: main }, ...checkOps(state, main, def.Checks, keep));

  const sc = def.SidecarService;
  const sidecarId = sc ? (sc.ID ?? `${def.ID}-sidecar-proxy`) : undefined;
  for (const s of groupOf(SERVICES_BY_PARENT, state.services, def.ID).values()) {
    if (s.ID !== sidecarId) ops.push({ type: 'service-delete', id: s.ID });
  }
  if (sc && sidecarId) {
    const existing = state.services.get(sidecarId);
    const port = sc.Port ?? (existing?.ParentServiceID === def.ID && existing.Port ? existing.Port : freePort(state, options));
    const sidecar: ServiceInput = {
      ID: sidecarId,
      Service: sc.Name ?? `${def.Name}-sidecar-proxy`,
      Kind: 'connect-proxy',
      Tags: sc.Tags ?? def.Tags,
      Meta: sc.Meta ?? def.Meta,
      Address: sc.Address ?? def.Address,
      Port: port,
      Weights: sc.Weights ?? { Passing: 1, Warning: 1 },
      EnableTagOverride: sc.EnableTagOverride ?? false,
      Proxy: proxyOf(sc.Proxy ?? { Upstreams: [] }, {
        name: def.Name,
        id: def.ID,
        address: '127.0.0.1',
        port: def.Port,
      }),
      ParentServiceID: def.ID,
      Owner: owner,
    };
    ops.push({ type: 'service-put', service: sidecar }, ...checkOps(state, sidecar, sc.Checks, keep));
  }
  return ops;
}

/** The writes that deregister a service, its checks and its sidecar; undefined if the ID is unknown. */
export function deregistrationOps(state: CatalogState, serviceId: string): WriteOp[] | undefined {
  if (!state.services.has(serviceId)) return undefined;
  const ops: WriteOp[] = [{ type: 'service-delete', id: serviceId }];
  for (const s of groupOf(SERVICES_BY_PARENT, state.services, serviceId).values()) ops.push({ type: 'service-delete', id: s.ID });
  return ops;
}

function checkOps(state: CatalogState, service: ServiceInput, specs: readonly CheckSpec[], keepMissing: boolean): WriteOp[] {
  const ops: WriteOp[] = [];
  const ids = new Set<string>();
  specs.forEach((spec, i) => {
    const id = spec.CheckID ?? (specs.length === 1 ? `service:${service.ID}` : `service:${service.ID}:${i + 1}`);
    ids.add(id);
    const existing = state.checks.get(id);
    const keep = existing && existing.ServiceID === service.ID && spec.Status === undefined;
    const check: CheckInput = {
      CheckID: id,
      Name: spec.Name ?? `Service '${service.Service}' check`,
      Status: keep ? existing.Status : (spec.Status ?? 'critical'),
      Notes: spec.Notes,
      Output: keep ? existing.Output : '',
      ServiceID: service.ID,
      ServiceName: service.Service,
      ServiceTags: service.Tags,
      Type: spec.Type,
      Definition: spec.Definition,
      Owner: service.Owner,
    };
    ops.push({ type: 'check-put', check });
  });
  if (keepMissing) return ops;
  for (const c of groupOf(CHECKS_BY_SERVICE, state.checks, service.ID).values()) {
    if (!ids.has(c.CheckID)) ops.push({ type: 'check-delete', checkId: c.CheckID });
  }
  return ops;
}

function proxyOf(p: ProxySpec, parent: { name: string; id: string; address: string; port: number }): ServiceProxy {
  return {
    DestinationServiceName: parent.name || (p.DestinationServiceName ?? ''),
    DestinationServiceID: parent.id || (p.DestinationServiceID ?? ''),
    LocalServiceAddress: p.LocalServiceAddress ?? parent.address,
    LocalServicePort: p.LocalServicePort ?? parent.port,
    Upstreams: p.Upstreams,
    ...(p.Config ? { Config: p.Config } : {}),
    ...(p.Mode ? { Mode: p.Mode } : {}),
  };
}

function freePort(state: CatalogState, options: RegistrationOptions): number {
  const range = options.sidecarPorts ?? SIDECAR_PORTS;
  for (let p = range.min; p <= range.max; p++) if (!groupOf(SERVICES_BY_PORT, state.services, String(p)).size) return p;
  throw new RegistrationError(
    `no free port in the sidecar port range ${range.min}-${range.max}; set Connect.SidecarService.Port`,
  );
}
