// PGV rule kinds the Envoy protos do not use (or use only in a form no value breaks), on a message
// type built at test time from a FileDescriptorProto whose options carry the validate extensions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, createFileRegistry, setExtension, type DescMessage, type Message, type MessageInitShape } from '@bufbuild/protobuf';
import {
  anyPack,
  DurationSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as T,
  FieldOptions_JSType,
  FieldOptionsSchema,
  file_google_protobuf_any,
  file_google_protobuf_duration,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
  FileDescriptorProtoSchema,
  MessageOptionsSchema,
  OneofOptionsSchema,
  TimestampSchema,
} from '@bufbuild/protobuf/wkt';
import { disabled, FieldRulesSchema, file_validate_validate, KnownRegex, required, rules } from '../../../src/gen/validate/validate_pb.js';
import { validateMessage } from '../../../src/pipelines/validate/validate-message.js';

type Rules = MessageInitShape<typeof FieldRulesSchema>;
const enc = new TextEncoder();
const sec = (s: number) => ({ seconds: BigInt(s) });

function field(name: string, number: number, type: T, r?: Rules, extra: Record<string, unknown> = {}) {
  const options = create(FieldOptionsSchema, (extra.options as object) ?? {});
  if (r) setExtension(options, rules, create(FieldRulesSchema, r));
  return { name, number, type, label: Label.OPTIONAL, ...extra, options };
}
const msg = (name: number, typeName: string) => ({ type: T.MESSAGE, typeName });
const rep = { label: Label.REPEATED };
const entry = (name: string, key: T, value: T, typeName?: string) => ({
  name,
  field: [field('key', 1, key), { ...field('value', 2, value), ...(typeName ? { typeName } : {}) }],
  options: { mapEntry: true },
});

const offOptions = create(MessageOptionsSchema);
setExtension(offOptions, disabled, true);
const choiceOptions = create(OneofOptionsSchema);
setExtension(choiceOptions, required, true);

const S = '.rxds.test.Sample';
const file = create(FileDescriptorProtoSchema, {
  name: 'rxds/test/sample.proto',
  package: 'rxds.test',
  syntax: 'proto2',
  dependency: ['validate/validate.proto', 'google/protobuf/any.proto', 'google/protobuf/duration.proto', 'google/protobuf/timestamp.proto', 'google/protobuf/wrappers.proto'],
  enumType: [{ name: 'Color', value: [{ name: 'RED', number: 0 }, { name: 'GREEN', number: 1 }, { name: 'BLUE', number: 2 }] }],
  messageType: [
    { name: 'Off', field: [field('s', 1, T.STRING, { type: { case: 'string', value: { minLen: 5n } } })], options: offOptions },
    {
      name: 'Sample',
      oneofDecl: [{ name: 'choice', options: choiceOptions }],
      nestedType: [
        entry('LimitsEntry', T.STRING, T.MESSAGE, '.google.protobuf.UInt32Value'),
        entry('ByIdEntry', T.INT64, T.STRING),
        entry('ChildrenEntry', T.STRING, T.MESSAGE, S),
        entry('PortsEntry', T.UINT32, T.BOOL),
      ],
      field: [
        ...(['email', 'hostname', 'ip', 'ipv4', 'ipv6', 'uri', 'uriRef', 'address', 'uuid'] as const).map((k, i) =>
          field(`wk_${k}`, 1 + i, T.STRING, { type: { case: 'string', value: { wellKnown: { case: k, value: true } } } }),
        ),
        field('exact', 10, T.STRING, { type: { case: 'string', value: { len: 3n } } }),
        field('chars', 11, T.STRING, { type: { case: 'string', value: { minLen: 2n, maxLen: 3n } } }),
        field('len_bytes', 12, T.STRING, { type: { case: 'string', value: { lenBytes: 2n } } }),
        field('min_bytes', 13, T.STRING, { type: { case: 'string', value: { minBytes: 3n } } }),
        field('affixes', 14, T.STRING, { type: { case: 'string', value: { prefix: 'a', suffix: 'z', contains: 'm', notContains: 'x' } } }),
        field('not_in', 15, T.STRING, { type: { case: 'string', value: { notIn: ['bad'] } } }),
        field('constant', 16, T.STRING, { type: { case: 'string', value: { const: 'fixed' } } }),
        field('ci_pattern', 17, T.STRING, { type: { case: 'string', value: { pattern: '(?i)^abc$' } } }),
        field('header_value', 18, T.STRING, { type: { case: 'string', value: { wellKnown: { case: 'wellKnownRegex', value: KnownRegex.HTTP_HEADER_VALUE } } } }),
        field('header_name', 19, T.STRING, { type: { case: 'string', value: { wellKnown: { case: 'wellKnownRegex', value: KnownRegex.HTTP_HEADER_NAME } } } }),
        field('raw', 20, T.BYTES, { type: { case: 'bytes', value: { minLen: 2n, maxLen: 4n, prefix: enc.encode('a'), suffix: enc.encode('z') } } }),
        field('raw_ip', 21, T.BYTES, { type: { case: 'bytes', value: { wellKnown: { case: 'ipv4', value: true } } } }),
        field('raw_in', 22, T.BYTES, { type: { case: 'bytes', value: { in: [enc.encode('ab'), enc.encode('cd')] } } }),
        field('raw_pattern', 23, T.BYTES, { type: { case: 'bytes', value: { pattern: '^[a-z]+$' } } }),
        field('raw_contains', 24, T.BYTES, { type: { case: 'bytes', value: { contains: enc.encode('mm'), len: 4n } } }),
        field('i64', 30, T.INT64, { type: { case: 'int64', value: { gt: -5n, lt: 5n } } }),
        field('outside', 31, T.SINT32, { type: { case: 'sint32', value: { gt: 10, lt: 0 } } }),
        field('i32_in', 32, T.INT32, { type: { case: 'int32', value: { in: [1, 2, 3] } } }),
        field('i32_not_in', 33, T.INT32, { type: { case: 'int32', value: { notIn: [0] } } }),
        field('u64_const', 34, T.UINT64, { type: { case: 'uint64', value: { const: 7n } } }),
        field('u64_gte', 35, T.UINT64, { type: { case: 'uint64', value: { gte: 10n } } }),
        field('f32', 36, T.FLOAT, { type: { case: 'float', value: { gte: 0.5, lte: 1.5 } } }),
        field('f32_in', 41, T.FLOAT, { type: { case: 'float', value: { in: [0.1, 0.2] } } }),
        field('fx32', 37, T.FIXED32, { type: { case: 'fixed32', value: { lt: 10 } } }),
        field('sfx64', 38, T.SFIXED64, { type: { case: 'sfixed64', value: { gte: -1n } } }),
        field('dbl_in', 39, T.DOUBLE, { type: { case: 'double', value: { in: [0.25, 0.5] } } }),
        field('i64_str', 40, T.INT64, { type: { case: 'int64', value: { gt: 0n } } }, { options: { jstype: FieldOptions_JSType.JS_STRING } }),
        field('flag', 44, T.BOOL, { type: { case: 'bool', value: { const: false } } }),
        field('color', 45, T.ENUM, { type: { case: 'enum', value: { in: [1, 2] } } }, { typeName: '.rxds.test.Color' }),
        field('color_const', 46, T.ENUM, { type: { case: 'enum', value: { const: 2 } } }, { typeName: '.rxds.test.Color' }),
        field('dur', 50, T.MESSAGE, { type: { case: 'duration', value: { const: sec(1) } } }, msg(0, '.google.protobuf.Duration')),
        field('dur_in', 51, T.MESSAGE, { type: { case: 'duration', value: { in: [sec(1), sec(2)] } } }, msg(0, '.google.protobuf.Duration')),
        field('dur_not_in', 52, T.MESSAGE, { type: { case: 'duration', value: { notIn: [sec(0)] } } }, msg(0, '.google.protobuf.Duration')),
        field('dur_lte', 53, T.MESSAGE, { type: { case: 'duration', value: { lte: sec(10) } } }, msg(0, '.google.protobuf.Duration')),
        field('ts_past', 54, T.MESSAGE, { type: { case: 'timestamp', value: { ltNow: true } } }, msg(0, '.google.protobuf.Timestamp')),
        field('ts_future', 55, T.MESSAGE, { type: { case: 'timestamp', value: { gtNow: true } } }, msg(0, '.google.protobuf.Timestamp')),
        field('ts_near', 56, T.MESSAGE, { type: { case: 'timestamp', value: { within: sec(60) } } }, msg(0, '.google.protobuf.Timestamp')),
        field('ts_range', 57, T.MESSAGE, { type: { case: 'timestamp', value: { gt: sec(1000), lte: sec(2000) } } }, msg(0, '.google.protobuf.Timestamp')),
        field('ts_required', 58, T.MESSAGE, { type: { case: 'timestamp', value: { required: true, const: sec(5) } } }, msg(0, '.google.protobuf.Timestamp')),
        field('any_in', 60, T.MESSAGE, { type: { case: 'any', value: { in: ['type.googleapis.com/google.protobuf.Duration'] } } }, msg(0, '.google.protobuf.Any')),
        field('any_not_in', 61, T.MESSAGE, { type: { case: 'any', value: { notIn: ['type.googleapis.com/google.protobuf.Duration'] } } }, msg(0, '.google.protobuf.Any')),
        field('tags', 70, T.STRING, { type: { case: 'repeated', value: { maxItems: 2n, unique: true, items: { type: { case: 'string', value: { minLen: 1n } } } } } }, rep),
        field('weights', 71, T.MESSAGE, { type: { case: 'repeated', value: { items: { type: { case: 'uint32', value: { gt: 0 } } } } } }, { ...rep, typeName: '.google.protobuf.UInt32Value' }),
        field('limits', 72, T.MESSAGE, { type: { case: 'map', value: { maxPairs: 2n, keys: { type: { case: 'string', value: { maxLen: 3n } } }, values: { type: { case: 'uint32', value: { lte: 10 } } } } } }, { ...rep, typeName: `${S}.LimitsEntry` }),
        field('by_id', 73, T.MESSAGE, { type: { case: 'map', value: { keys: { type: { case: 'int64', value: { gt: 0n } } }, values: { type: { case: 'string', value: { minLen: 1n } } } } } }, { ...rep, typeName: `${S}.ByIdEntry` }),
        field('children', 74, T.MESSAGE, { type: { case: 'map', value: { noSparse: true } } }, { ...rep, typeName: `${S}.ChildrenEntry` }),
        field('ports', 75, T.MESSAGE, { type: { case: 'map', value: { keys: { type: { case: 'uint32', value: { lte: 1000 } } } } } }, { ...rep, typeName: `${S}.PortsEntry` }),
        field('sv', 80, T.MESSAGE, { type: { case: 'string', value: { minLen: 2n } } }, { typeName: '.google.protobuf.StringValue', oneofIndex: 0 }),
        field('n', 81, T.INT32, { type: { case: 'int32', value: { gt: 0 } } }, { oneofIndex: 0 }),
        field('skipped', 90, T.MESSAGE, { message: { skip: true } }, { typeName: S }),
        field('nested', 91, T.MESSAGE, undefined, { typeName: S }),
        field('off', 92, T.MESSAGE, undefined, { typeName: '.rxds.test.Off' }),
      ],
    },
  ],
});

const deps = [file_validate_validate, file_google_protobuf_any, file_google_protobuf_duration, file_google_protobuf_timestamp, file_google_protobuf_wrappers];
const registry = createFileRegistry(file, (name) => deps.find((d) => d.proto.name === name));
const Sample: DescMessage = registry.getMessage('rxds.test.Sample')!;
const NOW = Date.UTC(2024, 0, 1);
const nowS = NOW / 1000;

/** A valid Sample (the required oneof and the required timestamp set) with `init` on top. */
function sample(init: Record<string, unknown> = {}): Message {
  return create(Sample, { choice: { case: 'n', value: 1 }, tsRequired: sec(5), ...init } as never);
}
function check(init: Record<string, unknown>): string[] {
  return validateMessage(Sample, sample(init), { now: () => NOW, registry }).map((v) => `${v.path} ${v.rule}`);
}

// [field localName, values that pass, values that fail, expected rule (path = proto field name)]
const ROWS: [string, unknown[], unknown[], string][] = [
  ['wkEmail', ['a.b@example.com'], ['nope', '@example.com', 'a@', 'a b@example.com'], 'string.email'],
  ['wkHostname', ['example.com', 'a-1.example.com.'], ['-a.com', 'a..com', 'a_b.com', `${'a'.repeat(64)}.com`], 'string.hostname'],
  ['wkIp', ['10.0.0.1', '::1'], ['10.0.0', 'fe80::1%eth0'], 'string.ip'],
  ['wkIpv4', ['192.168.1.1'], ['::1', '256.1.1.1'], 'string.ipv4'],
  ['wkIpv6', ['2001:db8::1'], ['10.0.0.1'], 'string.ipv6'],
  ['wkUri', ['https://example.com/a?b=c', 'urn:isbn:0451450523'], ['/relative', 'http://exa mple.com'], 'string.uri'],
  ['wkUriRef', ['/relative/path', 'https://example.com'], ['has space'], 'string.uri_ref'],
  ['wkAddress', ['example.com', '10.0.0.1'], ['not an address'], 'string.address'],
  ['wkUuid', ['123e4567-e89b-12d3-a456-426614174000'], ['123e4567e89b12d3a456426614174000'], 'string.uuid'],
  ['exact', ['abc', 'é€😀'], ['ab', 'abcd'], 'string.len'],
  ['chars', ['ab', '😀😀😀'], ['a', '😀'], 'string.min_len'],
  ['chars', ['abc'], ['abcd', '😀😀😀😀'], 'string.max_len'],
  ['lenBytes', ['ab', 'é'], ['a', 'abc'], 'string.len_bytes'],
  ['minBytes', ['abc', 'éa'], ['é'], 'string.min_bytes'],
  ['notIn', ['good'], ['bad'], 'string.not_in'],
  ['constant', ['fixed'], ['other'], 'string.const'],
  ['ciPattern', ['abc', 'ABC'], ['abcd'], 'string.pattern'],
  ['headerValue', ['a\tb', ''], ['a\u0001b', 'a\u007fb'], 'string.well_known_regex'],
  ['headerName', [':authority', 'x-a'], ['', 'x a', 'x,a'], 'string.well_known_regex'],
  ['rawIp', [new Uint8Array(4)], [new Uint8Array(16), new Uint8Array(5)], 'bytes.ipv4'],
  ['rawIn', [enc.encode('cd')], [enc.encode('ef')], 'bytes.in'],
  ['rawPattern', [enc.encode('abc')], [enc.encode('ab1')], 'bytes.pattern'],
  ['i64', [-4n, 4n], [-5n, -6n], 'int64.gt'],
  ['i64', [0n], [5n], 'int64.lt'],
  ['outside', [11, -1], [0, 5, 10], 'sint32.gt'],
  ['i32In', [2], [4], 'int32.in'],
  ['i32NotIn', [1], [0], 'int32.not_in'],
  ['u64Const', [7n], [8n], 'uint64.const'],
  ['u64Gte', [10n], [9n], 'uint64.gte'],
  ['f32', [0.5, 1.5], [0.25, Number.NaN], 'float.gte'],
  ['f32In', [0.1, 0.2], [0.3], 'float.in'],
  ['fx32', [9], [10], 'fixed32.lt'],
  ['sfx64', [-1n], [-2n], 'sfixed64.gte'],
  ['dblIn', [0.25], [0.75], 'double.in'],
  ['i64Str', ['1'], ['0', '-3'], 'int64.gt'],
  ['flag', [false], [true], 'bool.const'],
  ['color', [1, 2], [0], 'enum.in'],
  ['colorConst', [2], [1], 'enum.const'],
  ['dur', [sec(1)], [sec(2), { seconds: 1n, nanos: 1 }], 'duration.const'],
  ['durIn', [sec(2)], [sec(3)], 'duration.in'],
  ['durNotIn', [sec(1)], [sec(0)], 'duration.not_in'],
  ['durLte', [sec(10), sec(-1)], [{ seconds: 10n, nanos: 1 }], 'duration.lte'],
  ['tsPast', [sec(nowS - 10)], [sec(nowS + 10)], 'timestamp.lt_now'],
  ['tsFuture', [sec(nowS + 10)], [sec(nowS - 10)], 'timestamp.gt_now'],
  ['tsNear', [sec(nowS - 60), sec(nowS + 60)], [sec(nowS + 61)], 'timestamp.within'],
  ['tsRange', [sec(2000)], [sec(1000)], 'timestamp.gt'],
  ['tsRequired', [sec(5)], [sec(6)], 'timestamp.const'],
  ['anyIn', [anyPack(DurationSchema, create(DurationSchema, sec(1)))], [anyPack(TimestampSchema, create(TimestampSchema))], 'any.in'],
  ['anyNotIn', [anyPack(TimestampSchema, create(TimestampSchema))], [anyPack(DurationSchema, create(DurationSchema))], 'any.not_in'],
];

for (const [name, good, bad, rule] of ROWS) {
  test(`${rule} (${name})`, () => {
    const path = Sample.fields.find((f) => f.localName === name)!.name;
    for (const v of good) assert.deepEqual(check({ [name]: v }), [], `${String(v)} passes`);
    for (const v of bad) assert.ok(check({ [name]: v }).includes(`${path} ${rule}`), `${String(v)} fails ${rule}: ${check({ [name]: v }).join(', ')}`);
  });
}

test('unset fields with explicit presence are not checked; a required Timestamp must be set', () => {
  assert.deepEqual(check({}), []);
  assert.deepEqual(check({ tsRequired: undefined }), ['ts_required timestamp.required']);
});

test('bytes length, prefix, suffix and contains rules', () => {
  assert.deepEqual(check({ raw: enc.encode('amz'), rawContains: enc.encode('xmmx') }), []);
  assert.deepEqual(check({ raw: enc.encode('a') }), ['raw bytes.min_len', 'raw bytes.suffix']);
  assert.deepEqual(check({ raw: enc.encode('abcdz') }), ['raw bytes.max_len']);
  assert.deepEqual(check({ raw: enc.encode('bz') }), ['raw bytes.prefix']);
  assert.deepEqual(check({ rawContains: enc.encode('xxxx') }), ['raw_contains bytes.contains']);
  assert.deepEqual(check({ rawContains: enc.encode('mm') }), ['raw_contains bytes.len']);
});

test('string prefix, suffix, contains and not_contains', () => {
  assert.deepEqual(check({ affixes: 'amz' }), []);
  assert.deepEqual(check({ affixes: 'bxz' }), ['affixes string.prefix', 'affixes string.contains', 'affixes string.not_contains']);
  assert.deepEqual(check({ affixes: 'am' }), ['affixes string.suffix']);
});

test('repeated items, uniqueness, max_items and wrapper elements', () => {
  assert.deepEqual(check({ tags: ['a', 'b'], weights: [{ value: 1 }, { value: 2 }] }), []);
  assert.deepEqual(check({ tags: ['a', 'a', ''] }), ['tags repeated.max_items', 'tags[1] repeated.unique', 'tags[2] string.min_len']);
  assert.deepEqual(check({ weights: [{ value: 1 }, { value: 0 }] }), ['weights[1] uint32.gt']);
});

test('map keys (string and int64), wrapper values, max_pairs and no_sparse', () => {
  assert.deepEqual(check({ limits: { a: { value: 10 } }, byId: { '5': 'x' } }), []);
  assert.deepEqual(check({ limits: { abcd: { value: 11 }, b: { value: 1 }, c: { value: 1 } } }), [
    'limits map.max_pairs',
    'limits["abcd"] map.keys.string.max_len',
    'limits["abcd"] uint32.lte',
  ]);
  assert.deepEqual(check({ byId: { '-1': '', '2': 'y' } }), ['by_id[-1] map.keys.int64.gt', 'by_id[-1] string.min_len']);
  assert.deepEqual(check({ ports: { 80: true, 1001: false } }), ['ports[1001] map.keys.uint32.lte']);
  const m = sample({ children: { ok: { choice: { case: 'n', value: 0 }, tsRequired: sec(5) } } }) as unknown as { children: Record<string, unknown> };
  m.children.gone = undefined;
  assert.deepEqual(
    validateMessage(Sample, m as never, { now: () => NOW, registry }).map((v) => `${v.path} ${v.rule}`),
    ['children["gone"] map.no_sparse', 'children["ok"].n int32.gt'],
  );
});

test('required oneof, and a wrapper inside a oneof', () => {
  const none = create(Sample, { tsRequired: sec(5) } as never); // no choice
  assert.deepEqual(validateMessage(Sample, none, { registry }).map((v) => `${v.path} ${v.rule}`), ['choice oneof.required']);
  assert.deepEqual(check({ choice: { case: 'sv', value: { value: 'ab' } } }), []);
  assert.deepEqual(check({ choice: { case: 'sv', value: { value: 'a' } } }), ['sv string.min_len']);
  assert.deepEqual(check({ choice: { case: 'n', value: 0 } }), ['n int32.gt']);
});

test('recursion into sub-messages, message.skip, and validate.disabled', () => {
  const badChild = { choice: { case: 'n', value: -1 }, tsRequired: sec(5), exact: 'x' };
  assert.deepEqual(check({ nested: badChild }), ['nested.exact string.len', 'nested.n int32.gt']);
  assert.deepEqual(check({ skipped: badChild }), [], 'message.skip');
  assert.deepEqual(check({ off: { s: 'x' } }), [], 'validate.disabled');
});

test('deeply nested input is reported, not walked until the stack overflows', () => {
  let m: Record<string, unknown> = { choice: { case: 'n', value: 1 }, tsRequired: sec(5) };
  for (let i = 0; i < 150; i++) m = { choice: { case: 'n', value: 1 }, tsRequired: sec(5), nested: m };
  const v = validateMessage(Sample, create(Sample, m as never), { registry });
  assert.equal(v.length, 1);
  assert.equal(v[0]!.rule, 'depth');
});
