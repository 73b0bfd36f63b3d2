import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalKey, normalizeKeys } from '../../src/sources/normalize-keys.js';

test('snake_case, camelCase and any letter case become Consul PascalCase', () => {
  assert.equal(canonicalKey('name'), 'Name');
  assert.equal(canonicalKey('id'), 'ID');
  assert.equal(canonicalKey('service_id'), 'ServiceID');
  assert.equal(canonicalKey('destination_name'), 'DestinationName');
  assert.equal(canonicalKey('deregister_critical_service_after'), 'DeregisterCriticalServiceAfter');
  assert.equal(canonicalKey('local_bind_port'), 'LocalBindPort');
  assert.equal(canonicalKey('grpc_use_tls'), 'GRPCUseTLS');
  assert.equal(canonicalKey('ttl'), 'TTL');
  assert.equal(canonicalKey('Kind'), 'Kind');
  assert.equal(canonicalKey('sidecarService'), 'SidecarService');
});

test('opaque and map fields keep user-chosen keys', () => {
  const out = normalizeKeys(
    { name: 'web', meta: { my_key: 'v' }, subsets: { v1_canary: { only_passing: true } } },
    { opaque: new Set(['Meta']), maps: new Set(['Subsets']) },
  );
  assert.deepEqual(out, { Name: 'web', Meta: { my_key: 'v' }, Subsets: { v1_canary: { OnlyPassing: true } } });
});
