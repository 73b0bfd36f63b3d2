// compileChain: service-router routes (matches, destinations) and the implicit default route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainRoute, RouterNode } from '../../../src/pipelines/chain/compiled-chain.js';
import { compile, entries, http, versions } from './chain-support.js';

const ROUTER = 'router:web.default.default.dc1';

function routesOf(routes: unknown[], ...more: Record<string, unknown>[]): readonly ChainRoute[] {
  const chain = compile('web', entries(http('web'), versions('web'), { Kind: 'service-router', Name: 'web', Routes: routes }, ...more));
  assert.equal(chain.startNode, ROUTER);
  const node = chain.nodes[ROUTER] as RouterNode;
  assert.equal(node.type, 'router');
  assert.equal(node.routes.length, routes.length + 1, 'the routes, then the default');
  return node.routes;
}

const NO_DESTINATION = { retryOnConnectFailure: false, retryOnStatusCodes: [], retryOn: [] };
const ANY = { pathPrefix: '/', headers: [], queryParams: [], methods: [] };

const matchCases: { name: string; match: Record<string, unknown>; expected: unknown }[] = [
  { name: 'path exact', match: { PathExact: '/health' }, expected: { pathExact: '/health', headers: [], queryParams: [], methods: [] } },
  { name: 'path prefix', match: { PathPrefix: '/api/' }, expected: { pathPrefix: '/api/', headers: [], queryParams: [], methods: [] } },
  { name: 'path regex', match: { PathRegex: '/v[0-9]+/.*' }, expected: { pathRegex: '/v[0-9]+/.*', headers: [], queryParams: [], methods: [] } },
  { name: 'no path: every path', match: { Methods: ['GET'] }, expected: { pathPrefix: '/', headers: [], queryParams: [], methods: ['GET'] } },
  {
    name: 'headers of every kind, inverted and caseless',
    match: {
      Header: [
        { Name: 'x-debug', Present: true },
        { Name: 'x-user', Exact: 'alice', Invert: true },
        { Name: 'x-region', Prefix: 'eu-', IgnoreCase: true },
        { Name: 'host', Suffix: '.example.com' },
        { Name: 'user-agent', Contains: 'curl' },
        { Name: 'x-version', Regex: '^v[12]$' },
      ],
    },
    expected: {
      pathPrefix: '/',
      headers: [
        { name: 'x-debug', present: true, invert: false },
        { name: 'x-user', exact: 'alice', invert: true },
        { name: 'x-region', prefix: 'eu-', ignoreCase: true, invert: false },
        { name: 'host', suffix: '.example.com', invert: false },
        { name: 'user-agent', contains: 'curl', invert: false },
        { name: 'x-version', regex: '^v[12]$', invert: false },
      ],
      queryParams: [],
      methods: [],
    },
  },
  {
    name: 'query parameters',
    match: { PathPrefix: '/s', QueryParam: [{ Name: 'debug', Present: true }, { Name: 'lang', Exact: 'en' }, { Name: 'page', Regex: '[0-9]+' }] },
    expected: {
      pathPrefix: '/s',
      headers: [],
      queryParams: [{ name: 'debug', present: true }, { name: 'lang', exact: 'en' }, { name: 'page', regex: '[0-9]+' }],
      methods: [],
    },
  },
  { name: 'methods', match: { PathExact: '/x', Methods: ['POST', 'PUT'] }, expected: { pathExact: '/x', headers: [], queryParams: [], methods: ['POST', 'PUT'] } },
];
for (const c of matchCases) {
  test(`route match: ${c.name}`, () => {
    const [route, def] = routesOf([{ Match: { HTTP: c.match }, Destination: { ServiceSubset: 'v2' } }]);
    assert.deepEqual(route!.match, c.expected);
    assert.equal(route!.next, 'resolver:v2.web.default.default.dc1');
    assert.deepEqual(def!.match, ANY);
  });
}

test('route destination: prefix rewrite, request and idle timeouts, retries, header changes', () => {
  const [route] = routesOf([
    {
      Match: { HTTP: { PathPrefix: '/old/' } },
      Destination: {
        PrefixRewrite: '/new/',
        RequestTimeout: '1m30s',
        IdleTimeout: 2_500_000_000, // nanoseconds, as Consul's JSON allows
        NumRetries: 3,
        RetryOnConnectFailure: true,
        RetryOnStatusCodes: [503, 502],
        RetryOn: ['reset', 'gateway-error'],
        RequestHeaders: { Set: { 'x-b': '2', 'x-a': '1' }, Remove: ['x-internal'] },
        ResponseHeaders: { Add: { 'x-served-by': 'rxds' } },
      },
    },
  ]);
  assert.deepEqual(route!.destination, {
    prefixRewrite: '/new/',
    requestTimeoutMs: 90_000,
    idleTimeoutMs: 2500,
    numRetries: 3,
    retryOnConnectFailure: true,
    retryOnStatusCodes: [503, 502],
    retryOn: ['reset', 'gateway-error'],
    requestHeaders: { add: {}, set: { 'x-a': '1', 'x-b': '2' }, remove: ['x-internal'] },
    responseHeaders: { add: { 'x-served-by': 'rxds' }, set: {}, remove: [] },
  });
  assert.equal(route!.next, 'resolver:web.default.default.dc1');
});

test('route destination: an empty Destination is the router\'s own service with nothing set', () => {
  const [route, def] = routesOf([{ Match: { HTTP: { PathExact: '/x' } }, Destination: {} }]);
  assert.deepEqual(route!.destination, NO_DESTINATION);
  assert.equal(route!.next, 'resolver:web.default.default.dc1');
  assert.deepEqual(def, { match: ANY, next: 'resolver:web.default.default.dc1', destination: NO_DESTINATION });
});

test('routes keep their order; the default route comes last and goes to the service\'s splitter', () => {
  const routes = routesOf(
    [
      { Match: { HTTP: { PathPrefix: '/b' } }, Destination: { Service: 'api' } },
      { Match: { HTTP: { PathPrefix: '/a' } }, Destination: { ServiceSubset: 'v1' } },
    ],
    http('api'),
    { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 50, ServiceSubset: 'v2' }] },
  );
  assert.deepEqual(routes.map((r) => [r.match.pathPrefix, r.next]), [
    ['/b', 'resolver:api.default.default.dc1'],
    ['/a', 'resolver:v1.web.default.default.dc1'], // a subset goes to the resolver, not the splitter
    ['/', 'splitter:web.default.default.dc1'],
  ]);
});

test('a route to another service goes to that service\'s splitter, not its router', () => {
  const chain = compile(
    'web',
    entries(
      http('web'),
      http('api'),
      versions('api'),
      { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/api' } }, Destination: { Service: 'api' } }] },
      { Kind: 'service-router', Name: 'api', Routes: [{ Match: { HTTP: { PathPrefix: '/' } }, Destination: { ServiceSubset: 'v1' } }] },
      { Kind: 'service-splitter', Name: 'api', Splits: [{ Weight: 10, ServiceSubset: 'v1' }, { Weight: 90, ServiceSubset: 'v2' }] },
    ),
  );
  const router = chain.nodes[ROUTER] as RouterNode;
  assert.equal(router.routes[0]!.next, 'splitter:api.default.default.dc1');
  assert.ok(!('router:api.default.default.dc1' in chain.nodes));
  assert.ok(!chain.dependencies.includes('service-router/api'), 'another service\'s router is never consulted');
});

test('a router without routes still routes everything to the service', () => {
  const chain = compile('web', entries(http('web'), { Kind: 'service-router', Name: 'web' }));
  const router = chain.nodes[ROUTER] as RouterNode;
  assert.deepEqual(router.routes, [{ match: ANY, next: 'resolver:web.default.default.dc1', destination: NO_DESTINATION }]);
});

test('a route to a service with another protocol is a ChainError naming both', () => {
  assert.throws(
    () => routesOf([{ Match: { HTTP: { PathPrefix: '/db' } }, Destination: { Service: 'db' } }]),
    (e: Error) => e.name === 'ChainError' && /inconsistent protocols/.test(e.message) && /"db" has protocol "tcp"/.test(e.message) && /"http"/.test(e.message),
  );
});

test('a route to a subset the resolver does not define is a ChainError naming the subset', () => {
  assert.throws(
    () => routesOf([{ Match: { HTTP: { PathPrefix: '/x' } }, Destination: { ServiceSubset: 'v9' } }]),
    (e: Error) => e.name === 'ChainError' && /does not have a subset named "v9"/.test(e.message),
  );
});

test('a route to another namespace is a ChainError (rxds has only "default")', () => {
  assert.throws(
    () => routesOf([{ Match: { HTTP: { PathPrefix: '/x' } }, Destination: { Service: 'api', Namespace: 'team-a' } }]),
    (e: Error) => e.name === 'ChainError' && /service-router\/web: Routes\[0\]\.Destination/.test(e.message),
  );
});
