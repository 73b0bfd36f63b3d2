import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateFilter, formatFilter, parseFilter, type FilterInstance } from '../../../src/sources/filter/index.js';

const v1: FilterInstance = {
  Service: { ID: 'backend-1', Service: 'backend', Address: '10.0.0.1', Port: 50051, Tags: ['v1', 'canary'], Meta: { version: 'v1', zone: 'a b', 'team name': 'core' } },
  Node: { Node: 'rxds', Address: '127.0.0.1', Meta: { rack: 'r1' } },
  Checks: [{ CheckID: 'service:backend-1', Status: 'passing' }],
};
const v2: FilterInstance = {
  Service: { ID: 'backend-2', Service: 'backend', Address: '10.0.0.2', Port: 50052, Tags: [], Meta: { version: 'v2' } },
};
const bare: FilterInstance = { Service: { ID: 'x', Service: 'x' } };

function matches(expr: string, inst: FilterInstance): boolean {
  const r = parseFilter(expr);
  if (!r.ok) throw new Error(`parse failed: ${r.error}`);
  return evaluateFilter(r.value, inst);
}

const cases: [string, boolean, boolean, boolean][] = [
  // expression, v1, v2, bare
  ['Service.Meta.version == v1', true, false, false],
  ['Service.Meta.version == "v1"', true, false, false],
  ['Service.Meta.version != "v1"', false, true, true],
  ['Service.Meta.version != v1', false, true, true],
  ['v1 in Service.Tags', true, false, false],
  ['"canary" in Service.Tags', true, false, false],
  ['v1 not in Service.Tags', false, true, true],
  ['Service.Tags contains canary', true, false, false],
  ['Service.Tags not contains canary', false, true, true],
  ['Service.Tags is empty', false, true, true],
  ['Service.Tags is not empty', true, false, false],
  ['Service.Meta is not empty', true, true, false],
  ['version in Service.Meta', true, true, false],
  ['Service.Meta.version matches "^v[0-9]+$"', true, true, false],
  ['Service.Meta.version not matches "^v1"', false, true, true],
  ['Service.ID matches `backend-\\d`', true, true, false],
  ['Service.Port == 50051', true, false, false],
  ['Service.Address == 10.0.0.2', false, true, false],
  ['Service.Meta.version == v1 and v1 in Service.Tags', true, false, false],
  ['Service.Meta.version == v1 or Service.Meta.version == v2', true, true, false],
  ['not Service.Meta.version == v1', false, true, true],
  ['not (Service.Meta.version == v1 or Service.Meta.version == v2)', false, false, true],
  ['(Service.Meta.version == v2 or v1 in Service.Tags) and Service.Port != 1', true, true, false],
  ['Service.Meta["zone"] == "a b"', true, false, false],
  ['zone in Service.Meta and Service.Meta["team name"] == core', true, false, false],
  ['Node.Meta.rack == r1', true, false, false],
  ['Node.Node == rxds', true, false, false],
  ['Checks is not empty', true, false, false],
  ['passing in Checks.Status', true, false, false],
  // Field names are case-insensitive, as in Consul's filter language.
  ['service.meta.version == v1', true, false, false],
  // and binds tighter than or.
  ['Service.Meta.version == v2 or Service.Meta.version == v1 and Service.Port == 1', false, true, false],
];

for (const [expr, a, b, c] of cases) {
  test(`filter: ${expr}`, () => {
    assert.equal(matches(expr, v1), a, 'v1');
    assert.equal(matches(expr, v2), b, 'v2');
    assert.equal(matches(expr, bare), c, 'bare');
  });
}

const bad: [string, RegExp, number][] = [
  ['', /empty filter/, 0],
  ['Service.Meta.version = v1', /unexpected "=" at position 21/, 21],
  ['Service.Meta.version ==', /unexpected end of expression at position 23 \(expected a value\)/, 23],
  ['Service.Meta.version == v1 and', /expected a selector or a value/, 30],
  ['Service.Meta.version == v1 v2', /unexpected token "v2" at position 27/, 27],
  ['(Service.Meta.version == v1', /expected "\)"/, 27],
  ['Servce.Meta.version == v1', /selector "Servce" is not valid.*position 0/, 0],
  ['Service.Metadata.version == v1', /no field "Metadata" of "Service"/, 0],
  ['Service.Tags == v1', /operator == cannot be used with Service.Tags \(a list\)/, 0],
  ['Service.Port == abc', /Service.Port is a number/, 16],
  ['Service.ID matches "("', /invalid regular expression/, 19],
  ['Service.ID == "v1', /unterminated string/, 14],
  ['v1 in', /expected a selector/, 5],
  ['Service.ID is full', /expected "empty"/, 14],
  ['Service.ID', /expected an operator/, 10],
  ['"v1" == Service.ID', /expected a selector/, 0],
];

for (const [expr, re, pos] of bad) {
  test(`filter error: ${JSON.stringify(expr)}`, () => {
    const r = parseFilter(expr);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.error, re);
    assert.equal(r.position, pos);
  });
}

test('formatFilter renders a tree that parses back to the same tree', () => {
  for (const [expr] of cases) {
    const a = parseFilter(expr);
    assert.ok(a.ok);
    const text = formatFilter(a.value);
    const b = parseFilter(text);
    assert.ok(b.ok, `${text} should parse`);
    assert.deepEqual(stripRegex(b.value), stripRegex(a.value), text);
  }
});

function stripRegex(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === 'regex' ? undefined : x)));
}
