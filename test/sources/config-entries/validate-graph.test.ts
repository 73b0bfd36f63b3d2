import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  keyOf,
  parseConfigEntry,
  serviceProtocol,
  validateConfigEntryGraph,
  validateConfigEntrySet,
  validateDeletion,
  type ConfigEntry,
} from '../../../src/sources/config-entries/index.js';

function entry(raw: Record<string, unknown>): ConfigEntry {
  const r = parseConfigEntry(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function set(...raws: Record<string, unknown>[]): Map<string, ConfigEntry> {
  return new Map(raws.map((r) => entry(r)).map((e) => [keyOf(e), e]));
}

const grpcBackend = { Kind: 'service-defaults', Name: 'backend', Protocol: 'grpc' };
const tcpBackend = { Kind: 'service-defaults', Name: 'backend', Protocol: 'tcp' };
const resolver = { Kind: 'service-resolver', Name: 'backend', Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } } };
const splitter = { Kind: 'service-splitter', Name: 'backend', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] };
const router = { Kind: 'service-router', Name: 'backend', Routes: [{ Match: { HTTP: { PathPrefix: '/v2' } }, Destination: { ServiceSubset: 'v2' } }] };
const l7Intentions = { Kind: 'service-intentions', Name: 'backend', Sources: [{ Name: 'frontend', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }] };

test('protocol comes from service-defaults, else proxy-defaults Config.protocol, else tcp', () => {
  assert.equal(serviceProtocol(set(), 'backend'), 'tcp');
  assert.equal(serviceProtocol(set({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'HTTP' } }), 'backend'), 'http');
  assert.equal(serviceProtocol(set({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }, grpcBackend), 'backend'), 'grpc');
});

const writes: [string, Record<string, unknown>[], Record<string, unknown>, RegExp | null][] = [
  // [name, existing entries, candidate, expected error (null = accepted)]
  ['splitter on a grpc service with its subsets', [grpcBackend, resolver], splitter, null],
  ['splitter on a tcp service', [tcpBackend, resolver], splitter, /^service-splitter\/backend: service "backend" uses protocol "tcp", which does not permit routing or splitting/],
  ['splitter on a service with no protocol set (tcp)', [resolver], splitter, /uses protocol "tcp"/],
  ['splitter allowed by proxy-defaults http', [{ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }, resolver], splitter, null],
  ['splitter to a subset the resolver lacks', [grpcBackend, { ...resolver, Subsets: { v1: {} } }], splitter,
    /^service-splitter\/backend: Splits\[1\]\.ServiceSubset: service "backend" does not have a subset named "v2" \(service-resolver\/backend defines "v1"\)/],
  ['splitter to a subset with no resolver at all', [grpcBackend], splitter, /Splits\[0\]\.ServiceSubset: service "backend" does not have a subset named "v1" \(there is no service-resolver\/backend/],
  ['router to an existing subset', [grpcBackend, resolver], router, null],
  ['router to a missing subset of another service', [grpcBackend, resolver],
    { Kind: 'service-router', Name: 'backend', Routes: [{ Destination: { Service: 'other', ServiceSubset: 'v1' } }] },
    /^service-router\/backend: Routes\[0\]\.Destination\.ServiceSubset: service "other" does not have a subset named "v1"/],
  ['router on a tcp service', [tcpBackend, resolver], router, /^service-router\/backend: service "backend" uses protocol "tcp"/],
  ['service-defaults switching to tcp under a splitter', [grpcBackend, resolver, splitter], tcpBackend,
    /^service-defaults\/backend would break service-splitter\/backend: service "backend" uses protocol "tcp"/],
  ['resolver dropping a subset a splitter uses', [grpcBackend, resolver, splitter], { ...resolver, Subsets: { v1: {} } },
    /^service-resolver\/backend would break service-splitter\/backend: Splits\[1\]\.ServiceSubset/],
  ['resolver redirect to a missing subset of another service', [],
    { Kind: 'service-resolver', Name: 'old', Redirect: { Service: 'backend', ServiceSubset: 'v3' } }, /^service-resolver\/old: Redirect\.ServiceSubset: service "backend" does not have a subset named "v3"/],
  ['resolver failover to an existing subset of another service', [resolver],
    { Kind: 'service-resolver', Name: 'api', Failover: { '*': { Service: 'backend', ServiceSubset: 'v2' } } }, null],
  ['L7 intentions on a grpc service', [grpcBackend], l7Intentions, null],
  ['L7 intentions on a tcp service', [tcpBackend], l7Intentions, /^service-intentions\/backend: Sources\[0\]\.Permissions: L7 permissions need service "backend" to use an HTTP-based protocol/],
  ['L4 intentions on a tcp service', [tcpBackend], { Kind: 'service-intentions', Name: 'backend', Sources: [{ Name: 'frontend', Action: 'allow' }] }, null],
  ['an unrelated write next to an already broken entry', [tcpBackend, splitter], { Kind: 'service-defaults', Name: 'web', Protocol: 'http' }, null],
];

for (const [name, existing, candidate, expected] of writes) {
  test(`write: ${name}`, () => {
    const r = validateConfigEntryGraph(set(...existing), entry(candidate));
    if (expected === null) assert.deepEqual(r, { ok: true, value: undefined });
    else {
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, expected);
    }
  });
}

test('delete: a resolver whose subsets a splitter uses is refused (as Consul re-validates chains on delete)', () => {
  const all = set(grpcBackend, resolver, splitter);
  const r = validateDeletion(all, 'service-resolver', 'backend');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /^cannot delete service-resolver\/backend: service-splitter\/backend: Splits\[0\]\.ServiceSubset: service "backend" does not have a subset named "v1"/);
});

test('delete: the service-defaults that makes a routed service grpc is refused', () => {
  const r = validateDeletion(set(grpcBackend, resolver, router), 'service-defaults', 'backend');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /^cannot delete service-defaults\/backend: service-router\/backend: service "backend" uses protocol "tcp"/);
});

test('delete: allowed once nothing refers to it, and for unknown entries', () => {
  assert.equal(validateDeletion(set(grpcBackend, resolver, splitter), 'service-splitter', 'backend').ok, true);
  assert.equal(validateDeletion(set(grpcBackend, resolver), 'service-resolver', 'backend').ok, true);
  assert.equal(validateDeletion(set(), 'service-resolver', 'nothing').ok, true);
});

test('a whole set is checked at once', () => {
  assert.equal(validateConfigEntrySet(set(grpcBackend, resolver, splitter, router, l7Intentions)).ok, true);
  const r = validateConfigEntrySet(set(resolver, splitter));
  assert.equal(r.ok, false);
});
