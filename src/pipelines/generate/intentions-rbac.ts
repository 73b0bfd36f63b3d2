import { create } from '@bufbuild/protobuf';
import { RBAC_Action, type PrincipalSchema } from '../../gen/envoy/config/rbac/v3/rbac_pb.js';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { RBACSchema as NetworkRbacSchema } from '../../gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import type { Filter as ListenerFilter } from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import { FilterSchema } from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import type { ServiceIntentionsEntry } from '../../sources/config-entries/service-intentions.js';
import { intentionPrecedence } from '../../sources/config-entries/service-intentions.js';
import { typed } from './envoy-values.js';
import { Filter } from './names.js';

type PrincipalInit = MessageInitShape<typeof PrincipalSchema>;

interface Rule {
  readonly source: string;
  readonly allow: boolean;
  readonly precedence: number;
}

export interface IntentionRbac {
  /** The network RBAC filter to put first on the public listener; undefined when every caller is allowed. */
  readonly filter: ListenerFilter | undefined;
  /** Sources whose L7 Permissions rxds does not enforce (they fall back to the default policy). */
  readonly ignored: readonly string[];
}

/**
 * Intentions as Envoy network RBAC on the public listener, matching callers by the SPIFFE ID of their
 * client certificate. With a default of allow, the filter DENYs the sources with a deny intention; with a
 * default of deny, it ALLOWs only the sources with an allow intention (none: nobody). Precedence as in
 * Consul: an exact source beats `*`, and an intention for the exact destination beats one for `*`, so a
 * wildcard rule excludes the sources a more precise rule decides the other way.
 */
export function intentionsRbac(destination: string, entries: readonly ServiceIntentionsEntry[], defaultAllow: boolean): IntentionRbac {
  const rules: Rule[] = [];
  const ignored: string[] = [];
  for (const e of entries) {
    for (const s of e.Sources ?? []) {
      if (!s.Action) {
        ignored.push(s.Name);
        continue;
      }
      rules.push({ source: s.Name, allow: s.Action === 'allow', precedence: intentionPrecedence(s.Name, e.Name === '*' ? '*' : destination) });
    }
  }
  rules.sort((a, b) => b.precedence - a.precedence || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const effective = rules.filter((r, i) => !rules.slice(0, i).some((h) => h.source === r.source)); // shadowed by a more precise rule
  const principals: PrincipalInit[] = [];
  for (const [i, r] of effective.entries()) {
    if (r.allow === defaultAllow) continue;
    const exceptions = effective.slice(0, i).filter((h) => h.allow !== r.allow && h.precedence > r.precedence && (r.source === '*' || h.source === r.source));
    const who = principalOf(r.source);
    principals.push(
      exceptions.length === 0
        ? who
        : { identifier: { case: 'andIds', value: { ids: [who, { identifier: { case: 'notId', value: { identifier: { case: 'orIds', value: { ids: exceptions.map((x) => principalOf(x.source)) } } } } }] } } },
    );
  }
  if (defaultAllow && principals.length === 0) return { filter: undefined, ignored };
  const policies = principals.length === 0 ? {} : { [defaultAllow ? 'consul-intentions-layer4-deny' : 'consul-intentions-layer4']: { permissions: [{ rule: { case: 'any' as const, value: true } }], principals } };
  const rbac = create(NetworkRbacSchema, {
    statPrefix: 'connect_authz',
    rules: { action: defaultAllow ? RBAC_Action.DENY : RBAC_Action.ALLOW, policies },
  });
  return { filter: create(FilterSchema, { name: Filter.networkRbac, configType: { case: 'typedConfig', value: typed(NetworkRbacSchema, rbac) } }), ignored };
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
