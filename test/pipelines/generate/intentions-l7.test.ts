// Intentions with L7 permissions compiled to HTTP RBAC: each table row builds the proxyless server listener
// (the same HTTP RBAC filter as a sidecar's public listener for an http service), checks it against the PGV
// gate, then evaluates the compiled RBAC (a small evaluator of the Envoy semantics below) for requests and
// compares allowed/denied with what Consul documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { Permission, Principal, RBAC as RbacRules } from '../../../src/gen/envoy/config/rbac/v3/rbac_pb.js';
import { RBAC_Action } from '../../../src/gen/envoy/config/rbac/v3/rbac_pb.js';
import type { HeaderMatcher } from '../../../src/gen/envoy/config/route/v3/route_components_pb.js';
import type { StringMatcher } from '../../../src/gen/envoy/type/matcher/v3/string_pb.js';
import type { Listener } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RBACSchema as HttpRbacSchema } from '../../../src/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { HttpConnectionManagerSchema } from '../../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RBACSchema as NetworkRbacSchema } from '../../../src/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { ResourceEncoder } from '../../../src/core/resource.js';
import type { IntentionSource, ServiceIntentionsEntry } from '../../../src/sources/config-entries/service-intentions.js';
import { validateServiceIntentions } from '../../../src/sources/config-entries/service-intentions.js';
import { buildServerListener } from '../../../src/pipelines/generate/proxyless-server.js';
import { intentionsRbac } from '../../../src/pipelines/generate/intentions-rbac.js';
import { checkResource } from '../../../src/pipelines/validate/check-resource.js';
import { formatViolations } from '../../../src/pipelines/validate/violation.js';

interface Request {
  readonly from: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

const spiffe = (svc: string) => `spiffe://rxds.test/ns/default/dc/dc1/svc/${svc}`;

function strMatch(m: StringMatcher, v: string): boolean {
  const x = m.ignoreCase ? v.toLowerCase() : v;
  const c = (s: string) => (m.ignoreCase ? s.toLowerCase() : s);
  switch (m.matchPattern.case) {
    case 'exact':
      return x === c(m.matchPattern.value);
    case 'prefix':
      return x.startsWith(c(m.matchPattern.value));
    case 'suffix':
      return x.endsWith(c(m.matchPattern.value));
    case 'contains':
      return x.includes(c(m.matchPattern.value));
    case 'safeRegex':
      return new RegExp(`^(?:${m.matchPattern.value.regex})$`).test(v);
    default:
      throw new Error(`matcher ${m.matchPattern.case} not expected`);
  }
}

function headerMatch(h: HeaderMatcher, r: Request): boolean {
  const v = h.name === ':method' ? (r.method ?? 'POST') : h.name === ':path' ? r.path : r.headers?.[h.name];
  let ok: boolean;
  if (h.headerMatchSpecifier.case === 'presentMatch') ok = v !== undefined;
  else if (h.headerMatchSpecifier.case === 'stringMatch') ok = v !== undefined && strMatch(h.headerMatchSpecifier.value, v);
  else throw new Error(`header ${h.headerMatchSpecifier.case} not expected`);
  return h.invertMatch ? !ok : ok;
}

function permits(p: Permission, r: Request): boolean {
  switch (p.rule.case) {
    case 'any':
      return true;
    case 'andRules':
      return p.rule.value.rules.every((x) => permits(x, r));
    case 'orRules':
      return p.rule.value.rules.some((x) => permits(x, r));
    case 'notRule':
      return !permits(p.rule.value, r);
    case 'header':
      return headerMatch(p.rule.value, r);
    case 'urlPath': {
      const rule = p.rule.value.rule;
      assert.equal(rule.case, 'path');
      return strMatch(rule.value as StringMatcher, r.path.split('?')[0]!);
    }
    default:
      throw new Error(`permission ${p.rule.case} not expected`);
  }
}

function identifies(p: Principal, r: Request): boolean {
  switch (p.identifier.case) {
    case 'any':
      return true;
    case 'andIds':
      return p.identifier.value.ids.every((x) => identifies(x, r));
    case 'orIds':
      return p.identifier.value.ids.some((x) => identifies(x, r));
    case 'notId':
      return !identifies(p.identifier.value, r);
    case 'authenticated':
      return strMatch(p.identifier.value.principalName!, spiffe(r.from));
    default:
      throw new Error(`principal ${p.identifier.case} not expected`);
  }
}

/** Envoy: a request matching any policy gets the action; ALLOW denies the rest, DENY allows the rest. */
function allowed(rules: RbacRules, r: Request): boolean {
  const matched = Object.values(rules.policies).some((pol) => pol.permissions.some((p) => permits(p, r)) && pol.principals.some((id) => identifies(id, r)));
  return rules.action === RBAC_Action.ALLOW ? matched : !matched;
}

const encoder = new ResourceEncoder();

function compile(entries: ServiceIntentionsEntry[], defaultAllow: boolean): RbacRules {
  for (const e of entries) assert.equal(validateServiceIntentions(e), undefined, 'the table uses valid entries');
  const listener: Listener = buildServerListener('grpc/server?xds.resource.listening_address=127.0.0.1:50051', { address: '127.0.0.1', port: 50051, service: 'api', intentions: entries }, defaultAllow, true);
  assert.equal(formatViolations(checkResource(encoder.encode(listener))), '', 'passes the PGV gate');
  const f = listener.filterChains[0]!.filters[0]!;
  assert.equal(f.configType.case, 'typedConfig');
  const hcm = anyUnpack(f.configType.value as never, HttpConnectionManagerSchema)!;
  assert.deepEqual(hcm.httpFilters.map((h) => h.name), ['envoy.filters.http.rbac', 'envoy.filters.http.router'], 'RBAC before the router');
  const rbac = anyUnpack(hcm.httpFilters[0]!.configType.value as never, HttpRbacSchema)!;
  return rbac.rules!;
}

const api = (...sources: IntentionSource[]): ServiceIntentionsEntry => ({ Kind: 'service-intentions', Name: 'api', Sources: sources });
const star = (...sources: IntentionSource[]): ServiceIntentionsEntry => ({ Kind: 'service-intentions', Name: '*', Sources: sources });

interface Row {
  readonly name: string;
  readonly entries: ServiceIntentionsEntry[];
  readonly defaultAllow: boolean;
  readonly cases: readonly [Request, boolean][];
}

const rows: Row[] = [
  {
    name: 'PathPrefix allow, default deny: only that prefix from that source',
    entries: [api({ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/echo.Echo/' } }] })],
    defaultAllow: false,
    cases: [
      [{ from: 'web', path: '/echo.Echo/Say' }, true],
      [{ from: 'web', path: '/other.Svc/Say' }, false],
      [{ from: 'db', path: '/echo.Echo/Say' }, false],
    ],
  },
  {
    name: 'PathExact deny, default allow',
    entries: [api({ Name: 'web', Permissions: [{ Action: 'deny', HTTP: { PathExact: '/admin' } }] })],
    defaultAllow: true,
    cases: [
      [{ from: 'web', path: '/admin' }, false],
      [{ from: 'web', path: '/admin/x' }, true],
      [{ from: 'db', path: '/admin' }, true],
    ],
  },
  {
    name: 'PathRegex and Methods',
    entries: [api({ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathRegex: '/v[0-9]+/items', Methods: ['GET', 'HEAD'] } }] })],
    defaultAllow: false,
    cases: [
      [{ from: 'web', path: '/v2/items', method: 'GET' }, true],
      [{ from: 'web', path: '/v2/items', method: 'HEAD' }, true],
      [{ from: 'web', path: '/v2/items', method: 'DELETE' }, false],
      [{ from: 'web', path: '/vx/items', method: 'GET' }, false],
    ],
  },
  {
    name: 'headers: present, exact, prefix, suffix, regex, inverted',
    entries: [
      api({
        Name: 'web',
        Permissions: [
          { Action: 'allow', HTTP: { Header: [{ Name: 'x-a', Present: true }, { Name: 'x-env', Exact: 'prod' }] } },
          { Action: 'allow', HTTP: { Header: [{ Name: 'x-b', Prefix: 'pre' }, { Name: 'x-c', Suffix: 'suf' }] } },
          { Action: 'allow', HTTP: { Header: [{ Name: 'x-d', Regex: 'a+b' }, { Name: 'x-team', Exact: 'red', Invert: true }] } },
        ],
      }),
    ],
    defaultAllow: false,
    cases: [
      [{ from: 'web', path: '/', headers: { 'x-a': '', 'x-env': 'prod' } }, true],
      [{ from: 'web', path: '/', headers: { 'x-env': 'prod' } }, false],
      [{ from: 'web', path: '/', headers: { 'x-b': 'prefix', 'x-c': 'has-suf' } }, true],
      [{ from: 'web', path: '/', headers: { 'x-b': 'nope', 'x-c': 'has-suf' } }, false],
      [{ from: 'web', path: '/', headers: { 'x-d': 'aab', 'x-team': 'blue' } }, true],
      [{ from: 'web', path: '/', headers: { 'x-d': 'aab', 'x-team': 'red' } }, false],
      [{ from: 'web', path: '/', headers: { 'x-d': 'aac' } }, false],
    ],
  },
  {
    name: 'first matching permission wins: deny /admin then allow everything (default deny)',
    entries: [api({ Name: 'web', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/admin' } }, { Action: 'allow', HTTP: { PathPrefix: '/' } }] })],
    defaultAllow: false,
    cases: [
      [{ from: 'web', path: '/admin/users' }, false],
      [{ from: 'web', path: '/users' }, true],
    ],
  },
  {
    name: 'first matching permission wins: allow /public then deny everything (default allow)',
    entries: [api({ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/public' } }, { Action: 'deny', HTTP: { PathPrefix: '/' } }] })],
    defaultAllow: true,
    cases: [
      [{ from: 'web', path: '/public/x' }, true],
      [{ from: 'web', path: '/private' }, false],
      [{ from: 'db', path: '/private' }, true],
    ],
  },
  {
    name: 'exact L7 source beats wildcard deny (its unmatched requests get the default)',
    entries: [api({ Name: 'web', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/admin' } }] }, { Name: '*', Action: 'deny' })],
    defaultAllow: true,
    cases: [
      [{ from: 'web', path: '/admin' }, false],
      [{ from: 'web', path: '/ok' }, true],
      [{ from: 'db', path: '/ok' }, false],
    ],
  },
  {
    name: 'exact L4 deny beats wildcard L7 allow (default deny)',
    entries: [api({ Name: 'web', Action: 'deny' }, { Name: '*', Permissions: [{ Action: 'allow', HTTP: { Methods: ['GET'] } }] })],
    defaultAllow: false,
    cases: [
      [{ from: 'web', path: '/', method: 'GET' }, false],
      [{ from: 'db', path: '/', method: 'GET' }, true],
      [{ from: 'db', path: '/', method: 'POST' }, false],
    ],
  },
  {
    name: 'intention on the exact destination beats one on * for the same source',
    entries: [api({ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathExact: '/ok' } }] }), star({ Name: 'web', Action: 'allow' })],
    defaultAllow: false,
    cases: [
      [{ from: 'web', path: '/ok' }, true],
      [{ from: 'web', path: '/else' }, false],
    ],
  },
  {
    name: 'wildcard source with permissions, default allow',
    entries: [api({ Name: '*', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/internal/' } }] }, { Name: 'ops', Action: 'allow' })],
    defaultAllow: true,
    cases: [
      [{ from: 'web', path: '/internal/x' }, false],
      [{ from: 'db', path: '/internal/x' }, false],
      [{ from: 'ops', path: '/internal/x' }, true],
      [{ from: 'web', path: '/x' }, true],
    ],
  },
  {
    name: 'no intentions: the default alone',
    entries: [],
    defaultAllow: false,
    cases: [[{ from: 'web', path: '/' }, false]],
  },
];

for (const row of rows) {
  test(`L7 intentions: ${row.name}`, () => {
    const rules = compile(row.entries, row.defaultAllow);
    for (const [req, expected] of row.cases) {
      assert.equal(allowed(rules, req), expected, `${req.from} ${req.method ?? 'POST'} ${req.path} ${JSON.stringify(req.headers ?? {})}`);
    }
  });
}

test('L7 intentions: a tcp service keeps network RBAC and leaves L7 sources to the default', () => {
  const rbac = intentionsRbac('api', [api({ Name: 'web', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/' } }] }, { Name: 'db', Action: 'deny' })], true);
  assert.deepEqual(rbac.ignored, ['web']);
  const f = rbac.filter!;
  assert.equal(f.name, 'envoy.filters.network.rbac');
  const rules = anyUnpack(f.configType.value as never, NetworkRbacSchema)!.rules!;
  assert.equal(allowed(rules, { from: 'web', path: '/' }), true);
  assert.equal(allowed(rules, { from: 'db', path: '/' }), false);
});
