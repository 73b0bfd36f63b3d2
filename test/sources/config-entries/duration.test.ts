import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, formatGoDuration, parseGoDuration } from '../../../src/sources/config-entries/duration.js';

test('Go duration strings parse to nanoseconds', () => {
  const cases: [string, number][] = [
    ['0', 0], ['5s', 5e9], ['1m30s', 90e9], ['1.5h', 5400e9], ['300ms', 300e6], ['10us', 10e3], ['10µs', 10e3],
    ['7ns', 7], ['1h2m3.5s', 3723.5e9], ['.5s', 0.5e9], ['2m', 120e9],
  ];
  for (const [s, ns] of cases) assert.deepEqual(parseGoDuration(s), { ok: true, ns }, s);
});

test('malformed durations are refused with the input named', () => {
  for (const s of ['', '5', 's', '5 s', '5sec', '1d', '1.2.3s', 'abc']) {
    const r = parseGoDuration(s);
    assert.equal(r.ok, false, s);
    if (!r.ok) assert.match(r.error, /invalid duration/);
  }
});

test('formatting matches Go Duration.String()', () => {
  const cases: [number, string][] = [
    [0, '0s'], [5e9, '5s'], [60e9, '1m0s'], [90e9, '1m30s'], [3600e9, '1h0m0s'], [1.5e9, '1.5s'], [300e6, '300ms'],
    [1.5e6, '1.5ms'], [2500, '2.5µs'], [7, '7ns'], [3723.5e9, '1h2m3.5s'], [-5e9, '-5s'],
  ];
  for (const [ns, s] of cases) assert.equal(formatGoDuration(ns), s, String(ns));
});

test('durationMs reads strings and nanosecond numbers', () => {
  assert.equal(durationMs('10s'), 10000);
  assert.equal(durationMs(2e9), 2000);
  assert.equal(durationMs('nope'), undefined);
  assert.equal(durationMs(undefined), undefined);
});
