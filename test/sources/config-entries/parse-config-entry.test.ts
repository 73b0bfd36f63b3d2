import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigEntry, type ConfigEntry } from '../../../src/sources/config-entries/index.js';

function parsed(raw: unknown): ConfigEntry {
  const r = parseConfigEntry(raw);
  if (!r.ok) throw new Error(`expected valid entry, got: ${r.error}`);
  return r.value;
}

/** Entries Consul accepts: each must parse (and the listed fields must come out as shown). */
const valid: [string, unknown, Record<string, unknown>?][] = [
  ['proxy-defaults global with opaque Config', { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http', local_connect_timeout_ms: 1000 } },
    { Config: { protocol: 'http', local_connect_timeout_ms: 1000 } }],
  ['service-defaults in snake_case', { kind: 'service-defaults', name: 'backend', protocol: 'GRPC', meta: { Owner_Team: 'x' } },
    { Kind: 'service-defaults', Name: 'backend', Protocol: 'grpc', Meta: { Owner_Team: 'x' } }],
  ['service-defaults with upstream config', { Kind: 'service-defaults', Name: 'web', UpstreamConfig: { Defaults: { ConnectTimeoutMs: 500, Limits: { MaxConnections: 10 } }, Overrides: [{ Name: 'db', Protocol: 'tcp' }] } }],
  ['splitter 90/10', { Kind: 'service-splitter', Name: 'backend', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] }],
  ['splitter thirds with two decimals', { Kind: 'service-splitter', Name: 'b', Splits: [{ Weight: 33.33, ServiceSubset: 'a' }, { Weight: 33.33, ServiceSubset: 'b' }, { Weight: 33.34, ServiceSubset: 'c' }] }],
  ['splitter with a zero weight (Consul allows draining a split to 0)', { Kind: 'service-splitter', Name: 'b', Splits: [{ Weight: 100, ServiceSubset: 'v1' }, { Weight: 0, ServiceSubset: 'v2' }] }],
  ['splitter to another service', { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 50 }, { Weight: 50, Service: 'web-v2' }] }],
  ['resolver with subsets, default subset and durations', {
    Kind: 'service-resolver', Name: 'backend', DefaultSubset: 'v1', ConnectTimeout: '5s', RequestTimeout: '60s',
    Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { filter: 'v2 in Service.Tags', only_passing: true } },
  }, { ConnectTimeout: '5s', RequestTimeout: '1m0s', Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'v2 in Service.Tags', OnlyPassing: true } } }],
  ['resolver with nanosecond ConnectTimeout', { Kind: 'service-resolver', Name: 'a', ConnectTimeout: 1500000000 }, { ConnectTimeout: '1.5s' }],
  ['resolver subset keys keep their case-less user names', { Kind: 'service-resolver', Name: 'a', subsets: { 'canary-1': {} }, failover: { '*': { datacenters: ['dc2'] } } },
    { Subsets: { 'canary-1': {} }, Failover: { '*': { Datacenters: ['dc2'] } } }],
  ['resolver redirect', { Kind: 'service-resolver', Name: 'old', Redirect: { Service: 'new', ServiceSubset: 'v2' } }],
  ['resolver failover by subset', { Kind: 'service-resolver', Name: 'a', Subsets: { v1: {}, v2: {} }, Failover: { v1: { ServiceSubset: 'v2' } } }],
  ['resolver ring hash with hash policies', { Kind: 'service-resolver', Name: 'a', LoadBalancer: { Policy: 'ring_hash', RingHashConfig: { MinimumRingSize: 1024, MaximumRingSize: 8192 }, HashPolicies: [{ Field: 'header', FieldValue: 'x-user' }, { SourceIP: true }] } }],
  ['resolver least_request', { Kind: 'service-resolver', Name: 'a', load_balancer: { policy: 'least_request', least_request_config: { choice_count: 3 } } },
    { LoadBalancer: { Policy: 'least_request', LeastRequestConfig: { ChoiceCount: 3 } } }],
  ['resolver maglev with cookie', { Kind: 'service-resolver', Name: 'a', LoadBalancer: { Policy: 'maglev', HashPolicies: [{ Field: 'cookie', FieldValue: 'sid', CookieConfig: { TTL: '10m', Path: '/' } }] } }],
  ['router with matches and destinations', {
    Kind: 'service-router', Name: 'web', Routes: [
      { Match: { HTTP: { PathPrefix: '/admin', Methods: ['GET', 'POST'], Header: [{ Name: 'x-debug', Exact: '1' }], QueryParam: [{ Name: 'beta', Present: true }] } },
        Destination: { Service: 'admin', PrefixRewrite: '/', RequestTimeout: '2s', NumRetries: 3, RetryOnConnectFailure: true, RetryOnStatusCodes: [503], RetryOn: ['reset'] } },
      { Match: { HTTP: { PathRegex: '^/v[0-9]+/' } }, Destination: { ServiceSubset: 'v2', RequestHeaders: { Add: { 'x-from': 'rxds' } } } },
      { Destination: {} },
    ] },
    ],
  ['intentions L4 and L7', {
    Kind: 'service-intentions', Name: 'backend', Sources: [
      { Name: 'frontend', Action: 'allow' },
      { Name: 'admin', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/admin', Methods: ['GET'] } }, { Action: 'deny', HTTP: { Header: [{ Name: 'x-bad', Present: true }] } }] },
      { Name: '*', Action: 'DENY' },
    ] }],
  ['a read entry written back (CreateIndex/ModifyIndex dropped)', { Kind: 'service-defaults', Name: 'x', Protocol: 'http', CreateIndex: 4, ModifyIndex: 9, Namespace: 'default' },
    { Kind: 'service-defaults', Name: 'x', Protocol: 'http', Namespace: 'default' }],
];

for (const [name, raw, expect] of valid) {
  test(`accepts: ${name}`, () => {
    const e = parsed(raw);
    if (expect) for (const [k, v] of Object.entries(expect)) assert.deepEqual((e as unknown as Record<string, unknown>)[k], v, k);
    assert.equal('CreateIndex' in e, false);
  });
}

test('intentions: actions lower-cased and Precedence computed as Consul does', () => {
  const e = parsed({ Kind: 'service-intentions', Name: 'backend', Sources: [{ Name: 'frontend', Action: 'ALLOW', Precedence: 1 }, { Name: '*', Action: 'deny' }] });
  assert.ok(e.Kind === 'service-intentions');
  assert.deepEqual(e.Sources?.map((s) => [s.Name, s.Action, s.Precedence]), [['frontend', 'allow', 9], ['*', 'deny', 8]]);
  const w = parsed({ Kind: 'service-intentions', Name: '*', Sources: [{ Name: 'a', Action: 'allow' }, { Name: '*', Action: 'deny' }] });
  assert.ok(w.Kind === 'service-intentions');
  assert.deepEqual(w.Sources?.map((s) => s.Precedence), [6, 5]);
});

test('header maps under RequestHeaders.Add keep their keys verbatim', () => {
  const e = parsed({ Kind: 'service-router', Name: 'w', Routes: [{ Destination: { request_headers: { add: { 'x-my_header': 'v' } } } }] });
  assert.ok(e.Kind === 'service-router');
  assert.deepEqual(e.Routes?.[0]?.Destination?.RequestHeaders?.Add, { 'x-my_header': 'v' });
});

/** Entries Consul refuses: the error must name the field (the regex is matched against the message). */
const invalid: [string, unknown, RegExp][] = [
  ['not an object', [1, 2], /must be a JSON object/],
  ['missing Kind', { Name: 'x' }, /^Kind: is required/],
  ['unknown kind', { Kind: 'mesh-gateway', Name: 'x' }, /^Kind: unknown config entry kind "mesh-gateway"/],
  ['missing Name', { Kind: 'service-defaults' }, /^Name: is required/],
  ['proxy-defaults not global', { Kind: 'proxy-defaults', Name: 'local' }, /^Name: invalid name "local", only "global"/],
  ['proxy-defaults Config.protocol not a string', { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 7 } }, /^Config\.protocol: must be a string/],
  ['unknown field', { Kind: 'service-defaults', Name: 'x', Protocl: 'http' }, /^Protocl: unknown field/],
  ['unknown nested field', { Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 100, Subset: 'v1' }] }, /^Splits\[0\]\.Subset: unknown field/],
  ['bad protocol', { Kind: 'service-defaults', Name: 'x', Protocol: 'udp' }, /^Protocol: must be one of tcp, http, http2, grpc/],
  ['wrong type', { Kind: 'service-defaults', Name: 'x', Protocol: 5 }, /^Protocol: expected string, received number/],
  ['non-default namespace', { Kind: 'service-defaults', Name: 'x', Namespace: 'team-a' }, /^Namespace: only "default"/],
  ['meta value not a string', { Kind: 'service-defaults', Name: 'x', Meta: { a: 1 } }, /^Meta\.a: expected string/],
  ['too many meta pairs', { Kind: 'service-defaults', Name: 'x', Meta: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, /^Meta: at most 64/],
  ['splitter with no splits', { Kind: 'service-splitter', Name: 'x', Splits: [] }, /^Splits: no splits configured/],
  ['splitter missing Splits', { Kind: 'service-splitter', Name: 'x' }, /^Splits: is required/],
  ['splitter weights sum to 90', { Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 80, ServiceSubset: 'a' }, { Weight: 10, ServiceSubset: 'b' }] }, /^Splits: the sum of all split weights must be 100, not 90/],
  ['splitter weights sum to 100.01', { Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 50.01, ServiceSubset: 'a' }, { Weight: 50, ServiceSubset: 'b' }] }, /must be 100, not 100\.01/],
  ['splitter weight over 100', { Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 120, ServiceSubset: 'a' }, { Weight: -20, ServiceSubset: 'b' }] }, /^Splits\[0\]\.Weight: must be between 0 and 100 \(got 120\)/],
  ['splitter negative weight', { Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 100, ServiceSubset: 'a' }, { Weight: -1, ServiceSubset: 'b' }] }, /^Splits\[1\]\.Weight: must be between 0 and 100/],
  ['splitter weight with three decimals', { Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 33.333, ServiceSubset: 'a' }, { Weight: 66.667, ServiceSubset: 'b' }] }, /^Splits\[0\]\.Weight: at most two decimals/],
  ['splitter weight as a string', { Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 50, ServiceSubset: 'a' }, { Weight: '50', ServiceSubset: 'b' }] }, /^Splits\[1\]\.Weight: expected number/],
  ['splitter duplicate destination', { Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 50, ServiceSubset: 'a' }, { Weight: 50, Service: 'x', ServiceSubset: 'a' }] }, /^Splits\[1\]: split destination occurs more than once/],
  ['resolver bad subset name', { Kind: 'service-resolver', Name: 'x', Subsets: { V1: {} } }, /^Subsets\.V1: subset name "V1" is invalid/],
  ['resolver bad filter', { Kind: 'service-resolver', Name: 'x', Subsets: { v1: { Filter: 'Service.Meta.version = v1' } } }, /^Subsets\.v1\.Filter: unexpected "=" at position 21/],
  ['resolver filter with unknown selector', { Kind: 'service-resolver', Name: 'x', Subsets: { v1: { Filter: 'Service.Metadata.version == v1' } } }, /^Subsets\.v1\.Filter: selector "Service.Metadata" is not valid/],
  ['resolver DefaultSubset missing', { Kind: 'service-resolver', Name: 'x', DefaultSubset: 'v3', Subsets: { v1: {} } }, /^DefaultSubset: "v3" is not a subset/],
  ['resolver Redirect and Failover', { Kind: 'service-resolver', Name: 'x', Subsets: { v1: {} }, Redirect: { Service: 'y' }, Failover: { v1: { Service: 'z' } } }, /^Redirect: Redirect and Failover cannot both be set/],
  ['resolver empty Redirect', { Kind: 'service-resolver', Name: 'x', Redirect: {} }, /^Redirect: Redirect is empty/],
  ['resolver Redirect subset without service', { Kind: 'service-resolver', Name: 'x', Redirect: { ServiceSubset: 'v1' } }, /^Redirect\.ServiceSubset: defined without Redirect\.Service/],
  ['resolver Redirect to own missing subset', { Kind: 'service-resolver', Name: 'x', Subsets: { v1: {} }, Redirect: { Service: 'x', ServiceSubset: 'v9' } }, /^Redirect\.ServiceSubset: "v9" is not a valid subset of "x"/],
  ['resolver Redirect to itself', { Kind: 'service-resolver', Name: 'x', Redirect: { Service: 'x' } }, /^Redirect\.Service: a redirect to the resolver's own service/],
  ['resolver Failover key not a subset', { Kind: 'service-resolver', Name: 'x', Subsets: { v1: {} }, Failover: { v2: { Service: 'y' } } }, /^Failover\.v2: "v2" is not a subset/],
  ['resolver empty Failover', { Kind: 'service-resolver', Name: 'x', Failover: { '*': {} } }, /^Failover\["\*"\]: one of Service, ServiceSubset/],
  ['resolver Failover to own missing subset', { Kind: 'service-resolver', Name: 'x', Subsets: { v1: {} }, Failover: { v1: { ServiceSubset: 'v3' } } }, /^Failover\.v1\.ServiceSubset: "v3" is not a valid subset/],
  ['resolver bad duration', { Kind: 'service-resolver', Name: 'x', ConnectTimeout: 'five seconds' }, /^ConnectTimeout: invalid duration "five seconds"/],
  ['resolver negative duration', { Kind: 'service-resolver', Name: 'x', ConnectTimeout: '-5s' }, /^ConnectTimeout: must be >= 0/],
  ['resolver bad LB policy', { Kind: 'service-resolver', Name: 'x', LoadBalancer: { Policy: 'fastest' } }, /^LoadBalancer\.Policy: must be one of random, round_robin, least_request, ring_hash, maglev/],
  ['resolver RingHashConfig with round_robin', { Kind: 'service-resolver', Name: 'x', LoadBalancer: { Policy: 'round_robin', RingHashConfig: { MinimumRingSize: 1 } } }, /^LoadBalancer\.RingHashConfig: cannot be used with policy "round_robin"/],
  ['resolver ring sizes reversed', { Kind: 'service-resolver', Name: 'x', LoadBalancer: { Policy: 'ring_hash', RingHashConfig: { MinimumRingSize: 10, MaximumRingSize: 5 } } }, /^LoadBalancer\.RingHashConfig\.MinimumRingSize: must be less than or equal/],
  ['resolver hash policies with least_request', { Kind: 'service-resolver', Name: 'x', LoadBalancer: { Policy: 'least_request', HashPolicies: [{ SourceIP: true }] } }, /^LoadBalancer\.HashPolicies: hash policies need a hash-based policy/],
  ['resolver hash policy field without value', { Kind: 'service-resolver', Name: 'x', LoadBalancer: { Policy: 'ring_hash', HashPolicies: [{ Field: 'header' }] } }, /^LoadBalancer\.HashPolicies\[0\]\.FieldValue: is required/],
  ['resolver hash policy bad field', { Kind: 'service-resolver', Name: 'x', LoadBalancer: { Policy: 'ring_hash', HashPolicies: [{ Field: 'body', FieldValue: 'x' }] } }, /^LoadBalancer\.HashPolicies\[0\]\.Field: must be one of "header", "cookie", "query_parameter"/],
  ['router route without Destination', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { PathPrefix: '/a' } } }] }, /^Routes\[0\]\.Destination: is required/],
  ['router PathPrefix without slash', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { PathPrefix: 'a' } }, Destination: {} }] }, /^Routes\[0\]\.Match\.HTTP\.PathPrefix: doesn't start with '\/'/],
  ['router two path matchers', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { PathPrefix: '/a', PathExact: '/b' } }, Destination: {} }] }, /^Routes\[0\]\.Match\.HTTP: should only contain at most one of PathExact, PathPrefix, or PathRegex/],
  ['router bad regex', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { PathRegex: '([' } }, Destination: {} }] }, /^Routes\[0\]\.Match\.HTTP\.PathRegex: invalid regular expression/],
  ['router header with two matchers', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { Header: [{ Name: 'a', Exact: 'x', Prefix: 'y' }] } }, Destination: {} }] }, /^Routes\[0\]\.Match\.HTTP\.Header\[0\]: should contain exactly one of/],
  ['router header without name', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { Header: [{ Name: '', Present: true }] } }, Destination: {} }] }, /^Routes\[0\]\.Match\.HTTP\.Header\[0\]\.Name: is required/],
  ['router query param with Prefix', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { QueryParam: [{ Name: 'a', Prefix: 'x' }] } }, Destination: {} }] }, /^Routes\[0\]\.Match\.HTTP\.QueryParam\[0\]\.Prefix: unknown field/],
  ['router bad method', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { Methods: ['GET', 'FETCH'] } }, Destination: {} }] }, /^Routes\[0\]\.Match\.HTTP\.Methods\[1\]: invalid method "FETCH"/],
  ['router duplicate method', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { Methods: ['GET', 'GET'] } }, Destination: {} }] }, /^Routes\[0\]\.Match\.HTTP\.Methods\[1\]: "GET" occurs more than once/],
  ['router PrefixRewrite without path match', { Kind: 'service-router', Name: 'w', Routes: [{ Match: { HTTP: { PathRegex: '/x' } }, Destination: { PrefixRewrite: '/' } }] }, /^Routes\[0\]\.Destination\.PrefixRewrite: cannot be used without/],
  ['router bad RetryOn', { Kind: 'service-router', Name: 'w', Routes: [{ Destination: { RetryOn: ['5xx', 'sometimes'] } }] }, /^Routes\[0\]\.Destination\.RetryOn\[1\]: invalid retry condition "sometimes"/],
  ['router bad status code', { Kind: 'service-router', Name: 'w', Routes: [{ Destination: { RetryOnStatusCodes: [503, 42] } }] }, /^Routes\[0\]\.Destination\.RetryOnStatusCodes\[1\]: Too small/i],
  ['router bad RequestTimeout', { Kind: 'service-router', Name: 'w', Routes: [{ Destination: { RequestTimeout: '10 sec' } }] }, /^Routes\[0\]\.Destination\.RequestTimeout: invalid duration/],
  ['intentions bad action', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: 'a', Action: 'permit' }] }, /^Sources\[0\]\.Action: must be 'allow' or 'deny'/],
  ['intentions missing action', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: 'a' }] }, /^Sources\[0\]\.Action: must be set to 'allow' or 'deny'/],
  ['intentions action and permissions', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: 'a', Action: 'allow', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }] }, /^Sources\[0\]\.Action: must be omitted if Permissions are specified/],
  ['intentions source without name', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: '', Action: 'allow' }] }, /^Sources\[0\]\.Name: is required/],
  ['intentions duplicate source', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: 'a', Action: 'allow' }, { Name: 'a', Action: 'deny' }] }, /^Sources\[1\]: defines "a" more than once/],
  ['intentions permission without HTTP', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: 'a', Permissions: [{ Action: 'allow' }] }] }, /^Sources\[0\]\.Permissions\[0\]\.HTTP: is required/],
  ['intentions empty HTTP', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: 'a', Permissions: [{ Action: 'allow', HTTP: {} }] }] }, /^Sources\[0\]\.Permissions\[0\]\.HTTP: should not be empty/],
  ['intentions permission bad action', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: 'a', Permissions: [{ Action: 'maybe', HTTP: { PathExact: '/' } }] }] }, /^Sources\[0\]\.Permissions\[0\]\.Action: must be 'allow' or 'deny'/],
  ['intentions permission bad path', { Kind: 'service-intentions', Name: 'b', Sources: [{ Name: 'a', Permissions: [{ Action: 'deny', HTTP: { PathExact: 'x' } }] }] }, /^Sources\[0\]\.Permissions\[0\]\.HTTP\.PathExact: doesn't start with '\/'/],
];

for (const [name, raw, re] of invalid) {
  test(`refuses: ${name}`, () => {
    const r = parseConfigEntry(raw);
    assert.equal(r.ok, false, 'should be refused');
    if (!r.ok) assert.match(r.error, re);
  });
}

test('errors carry the field path as data too', () => {
  const r = parseConfigEntry({ Kind: 'service-splitter', Name: 'x', Splits: [{ Weight: 50, ServiceSubset: 'a' }, { Weight: 500, ServiceSubset: 'b' }] });
  assert.ok(!r.ok);
  assert.deepEqual(r.path, ['Splits', 1, 'Weight']);
});
