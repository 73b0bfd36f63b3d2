import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSpecFromDefinition } from '../../../src/sources/health/check-definition.js';

const ids = { checkId: 'service:web-1', serviceId: 'web-1' };

test('Consul check definitions become check specs', () => {
  assert.deepEqual(checkSpecFromDefinition({ TTL: '30s' }, ids), { ok: true, value: { checkId: 'service:web-1', serviceId: 'web-1', type: 'ttl', ttlMs: 30000 } });
  assert.deepEqual(
    checkSpecFromDefinition({ HTTP: 'http://127.0.0.1:8080/h', Interval: '10s', Timeout: '1s', Method: 'head', DeregisterCriticalServiceAfter: '90m', Status: 'passing' }, ids),
    { ok: true, value: { checkId: 'service:web-1', serviceId: 'web-1', status: 'passing', deregisterCriticalServiceAfterMs: 5_400_000, intervalMs: 10000, timeoutMs: 1000, type: 'http', http: 'http://127.0.0.1:8080/h', method: 'HEAD' } },
  );
  assert.deepEqual(checkSpecFromDefinition({ TCP: '127.0.0.1:5432', Interval: 5e9 }, ids), { ok: true, value: { checkId: 'service:web-1', serviceId: 'web-1', intervalMs: 5000, type: 'tcp', tcp: '127.0.0.1:5432' } });
  assert.deepEqual(checkSpecFromDefinition({ GRPC: '127.0.0.1:50051/backend', GRPCUseTLS: true, Interval: '2s' }, ids), {
    ok: true, value: { checkId: 'service:web-1', serviceId: 'web-1', intervalMs: 2000, type: 'grpc', grpc: '127.0.0.1:50051/backend', grpcUseTls: true },
  });
});

test('bad check definitions name the field', () => {
  const bad: [object, RegExp][] = [
    [{}, /needs one of TTL, HTTP, TCP or GRPC/],
    [{ TTL: '10s', HTTP: 'http://x/' }, /only one of TTL, HTTP/],
    [{ HTTP: 'http://127.0.0.1/' }, /^Interval: is required for HTTP checks/],
    [{ TCP: '127.0.0.1:1', Interval: 'often' }, /^Interval: invalid duration "often"/],
    [{ HTTP: 'not a url', Interval: '1s' }, /^HTTP: invalid URL/],
    [{ HTTP: 'ftp://x/', Interval: '1s' }, /^HTTP: the URL must be http or https/],
    [{ TCP: 'nohost', Interval: '1s' }, /^TCP: invalid address "nohost"/],
    [{ GRPC: 'x', Interval: '1s' }, /^GRPC: invalid address/],
    [{ TTL: '0s' }, /^TTL: must be greater than 0/],
    [{ TTL: '5s', Status: 'ok' }, /^Status: must be passing, warning or critical/],
  ];
  for (const [def, re] of bad) {
    const r = checkSpecFromDefinition(def, ids);
    assert.equal(r.ok, false, JSON.stringify(def));
    if (!r.ok) assert.match(r.error, re);
  }
});
