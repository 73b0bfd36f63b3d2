import type { Access, Authorizer } from '../acl/authorizer.js';
import { permissionDenied } from '../acl/http-guard.js';
import type { CatalogState, CheckRecord, WriteOp } from '../store/catalog-state.js';
import type { Write } from '../store/state-store.js';

/** May the caller read/write config entry `kind/name`? (service-* entries of S: service access on S.) */
export function mayConfigEntry(authz: Authorizer, kind: string, name: string, access: Access): boolean {
  if (kind === 'proxy-defaults') return access === 'read' ? authz.authenticated : authz.operatorWrite();
  if (kind.startsWith('service-')) return access === 'read' ? authz.serviceRead(name) : authz.serviceWrite(name);
  return access === 'read' ? authz.operatorRead() : authz.operatorWrite();
}

function requireServiceWrite(authz: Authorizer, service: string, what: string): void {
  if (!authz.serviceWrite(service)) throw permissionDenied(`${authz.label} lacks service write on ${JSON.stringify(service)} (${what})`);
}

function requireCheckWrite(authz: Authorizer, check: Pick<CheckRecord, 'CheckID' | 'ServiceID' | 'ServiceName'>): void {
  if (check.ServiceID) requireServiceWrite(authz, check.ServiceName, `check ${JSON.stringify(check.CheckID)}`);
  else if (!authz.operatorWrite()) throw permissionDenied(`${authz.label} lacks operator write (node check ${JSON.stringify(check.CheckID)})`);
}

/**
 * Throws 403 unless the caller may make every change of `ops` to `state`: services (and what they
 * replace or remove) need service write, a connect-proxy also on its destination; checks need write on
 * their service; config entries as {@link mayConfigEntry}.
 */
export function authorizeOps(authz: Authorizer, state: CatalogState, ops: readonly WriteOp[]): void {
  for (const op of ops) {
    switch (op.type) {
      case 'service-put': {
        const s = op.service;
        requireServiceWrite(authz, s.Service, `service ${JSON.stringify(s.ID)}`);
        if (s.Kind === 'connect-proxy') requireServiceWrite(authz, s.Proxy?.DestinationServiceName ?? '', `destination of proxy ${JSON.stringify(s.ID)}`);
        const old = state.services.get(s.ID);
        if (old) requireServiceWrite(authz, old.Service, `registered service ${JSON.stringify(s.ID)}`);
        break;
      }
      case 'service-delete': {
        const old = state.services.get(op.id);
        if (old) requireServiceWrite(authz, old.Service, `service ${JSON.stringify(op.id)}`);
        break;
      }
      case 'check-put': {
        requireCheckWrite(authz, op.check);
        const old = state.checks.get(op.check.CheckID);
        if (old) requireCheckWrite(authz, old);
        break;
      }
      case 'check-status':
      case 'check-delete': {
        const old = state.checks.get(op.checkId);
        if (old) requireCheckWrite(authz, old);
        break;
      }
      case 'config-put':
      case 'config-delete': {
        const [kind, name] = op.type === 'config-put' ? [op.entry.Kind, op.entry.Name] : [op.kind, op.name];
        if (!mayConfigEntry(authz, kind, name, 'write')) {
          throw permissionDenied(`${authz.label} may not write config entry ${kind}/${name}`);
        }
        break;
      }
    }
  }
}

/** `write` with {@link authorizeOps} applied to the ops it computes (a refusal stores nothing). */
export function checkedWrite(authz: Authorizer, write: (state: CatalogState) => readonly WriteOp[]): Write {
  return (state) => {
    const ops = write(state);
    authorizeOps(authz, state, ops);
    return ops;
  };
}
