import { create } from '@bufbuild/protobuf';
import { RBAC_Action, type PolicySchema, type PrincipalSchema, type RBACSchema } from '../../gen/envoy/config/rbac/v3/rbac_pb.js';
import { RBACSchema as HttpRbacSchema } from '../../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { HttpFilterSchema, type HttpFilter } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { RBACSchema as NetworkRbacSchema } from '../../gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import type { Filter as ListenerFilter } from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import { FilterSchema } from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import type { IntentionPermission, ServiceIntentionsEntry } from '../../sources/config-entries/service-intentions.js';
import { intentionPrecedence } from '../../sources/config-entries/service-intentions.js';
import { typed } from './envoy-values.js';
import { anyOf, permissionOf, type PermissionInit } from './intention-permissions.js';
import { Filter, HTTP_RBAC_FILTER } from './names.js';

type PrincipalInit = MessageInitShape<typeof PrincipalSchema>;
type RbacRulesInit = MessageInitShape<typeof RBACSchema>;
type PolicyInit = MessageInitShape<typeof PolicySchema>;

interface Rule {
  readonly source: string;
  readonly precedence: number;
  /** L4: the action for every request of the source. */
  readonly allow?: boolean;
  /** L7: checked top to bottom, the first match decides; a request none matches gets the default. */
  readonly permissions?: readonly IntentionPermission[];
}

export interface IntentionRbac {
  /** The network RBAC filter to put first on the public listener; undefined when every caller is allowed. */
  readonly filter: ListenerFilter | undefined;
  /** Sources whose L7 Permissions a network RBAC cannot check (tcp services; Consul rejects them there). */
  readonly ignored: readonly string[];
}

/**
 * Intentions as Envoy network RBAC on the public listener of a tcp service, matching callers by the SPIFFE
 * ID of their client certificate (see intentionsRbacRules). Sources with L7 Permissions are left out.
 */
export function intentionsRbac(destination: string, entries: readonly ServiceIntentionsEntry[], defaultAllow: boolean): IntentionRbac {
  const { rules, ignored } = intentionsRbacRules(destination, entries, defaultAllow, false);
  if (!rules) return { filter: undefined, ignored };
  const rbac = create(NetworkRbacSchema, { statPrefix: 'connect_authz', rules });
  return { filter: create(FilterSchema, { name: Filter.networkRbac, configType: { case: 'typedConfig', value: typed(NetworkRbacSchema, rbac) } }), ignored };
}

/**
 * Intentions as the HTTP RBAC filter (before the router) of an http/http2/grpc service, L7 Permissions
 * included. `always`: a filter even when every caller is allowed (a DENY without policies).
 */
export function intentionsHttpRbac(destination: string, entries: readonly ServiceIntentionsEntry[], defaultAllow: boolean, always = false): HttpFilter | undefined {
  const { rules } = intentionsRbacRules(destination, entries, defaultAllow, true);
  if (!rules && !always) return undefined;
  const rbac = create(HttpRbacSchema, { rules: rules ?? { action: RBAC_Action.DENY, policies: {} } });
  return create(HttpFilterSchema, { name: HTTP_RBAC_FILTER, configType: { case: 'typedConfig', value: typed(HttpRbacSchema, rbac) } });
}

/**
 * The RBAC rules of a destination's intentions: with a default of allow, one DENY RBAC matching what the
 * intentions deny; with a default of deny, one ALLOW RBAC matching only what they allow (none: nobody).
 * Precedence as in Consul: an exact source beats `*`, and an intention for the exact destination beats one
 * for `*`, so a wildcard rule excludes the sources a more precise rule decides (an L7 source is decided by
 * its own permissions, the default for a request none of them matches). Within a source's permissions the
 * first match wins, so a permission with the RBAC's action excludes the requests earlier permissions with
 * the other action match. `http` false: sources with Permissions are ignored (listed in `ignored`).
 * `rules` undefined: the default is allow and nothing is denied.
 */
export function intentionsRbacRules(
  destination: string,
  entries: readonly ServiceIntentionsEntry[],
  defaultAllow: boolean,
  http: boolean,
): { rules: RbacRulesInit | undefined; ignored: string[] } {
  const rules: Rule[] = [];
  const ignored: string[] = [];
  for (const e of entries) {
    for (const s of e.Sources ?? []) {
      const precedence = intentionPrecedence(s.Name, e.Name === '*' ? '*' : destination);
      if (s.Action) rules.push({ source: s.Name, allow: s.Action === 'allow', precedence });
      else if (http && (s.Permissions?.length ?? 0) > 0) rules.push({ source: s.Name, permissions: s.Permissions, precedence });
      else ignored.push(s.Name);
    }
  }
  rules.sort((a, b) => b.precedence - a.precedence || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const effective = rules.filter((r, i) => !rules.slice(0, i).some((h) => h.source === r.source)); // shadowed by a more precise rule
  const l4: PrincipalInit[] = [];
  const policies: Record<string, PolicyInit> = {};
  let l7 = 0;
  for (const [i, r] of effective.entries()) {
    const exceptions = effective.slice(0, i).filter((h) => h.precedence > r.precedence && (r.source === '*' || h.source === r.source) && (h.permissions !== undefined || h.allow !== r.allow));
    const who = excluding(principalOf(r.source), exceptions);
    if (r.permissions === undefined) {
      if (r.allow !== defaultAllow) l4.push(who);
      continue;
    }
    const decidedOtherwise: PermissionInit[] = [];
    for (const p of r.permissions) {
      const matcher = permissionOf(p);
      if ((p.Action === 'allow') === defaultAllow) {
        decidedOtherwise.push(matcher);
        continue;
      }
      const permission: PermissionInit =
        decidedOtherwise.length === 0 ? matcher : { rule: { case: 'andRules', value: { rules: [matcher, { rule: { case: 'notRule', value: anyOf(decidedOtherwise) } }] } } };
      policies[`consul-intentions-layer7-${l7++}`] = { permissions: [permission], principals: [who] };
    }
  }
  if (l4.length > 0) policies[defaultAllow ? 'consul-intentions-layer4-deny' : 'consul-intentions-layer4'] = { permissions: [{ rule: { case: 'any', value: true } }], principals: l4 };
  if (defaultAllow && Object.keys(policies).length === 0) return { rules: undefined, ignored };
  return { rules: { action: defaultAllow ? RBAC_Action.DENY : RBAC_Action.ALLOW, policies }, ignored };
}

/** `who` but not the sources of `exceptions`. */
function excluding(who: PrincipalInit, exceptions: readonly Rule[]): PrincipalInit {
  if (exceptions.length === 0) return who;
  return { identifier: { case: 'andIds', value: { ids: [who, { identifier: { case: 'notId', value: { identifier: { case: 'orIds', value: { ids: exceptions.map((x) => principalOf(x.source)) } } } } }] } } };
}

/** Callers whose certificate names service `source` (`*`: any service of the mesh). */
function principalOf(source: string): PrincipalInit {
  const svc = source === '*' ? '[^/]+' : escapeRegex(source);
  return {
    identifier: {
      case: 'authenticated',
      value: { principalName: { matchPattern: { case: 'safeRegex', value: { regex: `^spiffe://[^/]+/ns/default/dc/[^/]+/svc/${svc}$` } } } },
    },
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
