import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PermissionSchema } from '../../gen/envoy/config/rbac/v3/rbac_pb.js';
import type { StringMatcherSchema } from '../../gen/envoy/type/matcher/v3/string_pb.js';
import type { IntentionPermission } from '../../sources/config-entries/service-intentions.js';
import type { HeaderMatch } from '../../sources/config-entries/common.js';

export type PermissionInit = MessageInitShape<typeof PermissionSchema>;
type StringMatcherInit = MessageInitShape<typeof StringMatcherSchema>;

/**
 * The request matcher of one L7 intention permission as an Envoy RBAC Permission: the path (exact,
 * prefix or regex) as `url_path`, the methods as `:method` header matches (any of them), each header
 * match as a header matcher (`Invert`: under `not_rule`); all of them must match (`and_rules`).
 */
export function permissionOf(p: IntentionPermission): PermissionInit {
  const http = p.HTTP ?? {};
  const parts: PermissionInit[] = [];
  const path = http.PathExact
    ? { matchPattern: { case: 'exact' as const, value: http.PathExact } }
    : http.PathPrefix
      ? { matchPattern: { case: 'prefix' as const, value: http.PathPrefix } }
      : http.PathRegex
        ? { matchPattern: { case: 'safeRegex' as const, value: { regex: http.PathRegex } } }
        : undefined;
  if (path) parts.push({ rule: { case: 'urlPath', value: { rule: { case: 'path', value: path } } } });
  const methods = http.Methods ?? [];
  if (methods.length > 0) {
    const each = methods.map((m): PermissionInit => headerRule(':method', { matchPattern: { case: 'exact', value: m } }));
    parts.push(each.length === 1 ? each[0]! : { rule: { case: 'orRules', value: { rules: each } } });
  }
  for (const h of http.Header ?? []) parts.push(headerPermission(h));
  if (parts.length === 0) return { rule: { case: 'any', value: true } };
  return parts.length === 1 ? parts[0]! : { rule: { case: 'andRules', value: { rules: parts } } };
}

/** Any of `permissions` (for excluding requests an earlier permission already decided). */
export function anyOf(permissions: readonly PermissionInit[]): PermissionInit {
  return permissions.length === 1 ? permissions[0]! : { rule: { case: 'orRules', value: { rules: [...permissions] } } };
}

function headerPermission(h: HeaderMatch): PermissionInit {
  const ignoreCase = h.IgnoreCase === true;
  let rule: PermissionInit;
  if (h.Present) {
    rule = { rule: { case: 'header', value: { name: h.Name, headerMatchSpecifier: { case: 'presentMatch', value: true } } } };
  } else {
    const pattern: StringMatcherInit['matchPattern'] = h.Exact
      ? { case: 'exact', value: h.Exact }
      : h.Prefix
        ? { case: 'prefix', value: h.Prefix }
        : h.Suffix
          ? { case: 'suffix', value: h.Suffix }
          : h.Contains
            ? { case: 'contains', value: h.Contains }
            : { case: 'safeRegex', value: { regex: h.Regex ?? '' } };
    rule = headerRule(h.Name, { matchPattern: pattern, ...(ignoreCase ? { ignoreCase } : {}) });
  }
  return h.Invert ? { rule: { case: 'notRule', value: rule } } : rule;
}

function headerRule(name: string, match: StringMatcherInit): PermissionInit {
  return { rule: { case: 'header', value: { name, headerMatchSpecifier: { case: 'stringMatch', value: match } } } };
}
