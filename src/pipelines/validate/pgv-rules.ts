import { getOption, hasOption, ScalarType, type DescEnum, type DescField, type DescMessage, type DescOneof } from '@bufbuild/protobuf';
import { isWrapperDesc } from '@bufbuild/protobuf/wkt';
import {
  disabled as disabledOption,
  FieldRulesSchema,
  MapRulesSchema,
  MessageRulesSchema,
  RepeatedRulesSchema,
  required as requiredOption,
  rules as rulesOption,
  type FieldRules,
} from '../../gen/validate/validate_pb.js';
import type { ValueCheck } from './violation.js';
import { presentRules } from './rule-helpers.js';
import { compileCollection, LIST_RULES, MAP_RULES, mapKeyConverter } from './collection-rules.js';
import { ANY_RULES, compileAny, compileDuration, compileTimestamp, DURATION_RULES, TIMESTAMP_RULES } from './message-type-rules.js';
import {
  BOOL_RULES,
  BYTES_RULES,
  compileBool,
  compileBytes,
  compileEnum,
  compileNumeric,
  compileString,
  ENUM_RULES,
  NUMERIC_KINDS,
  NUMERIC_RULES,
  STRING_RULES,
  type RuleNamer,
} from './scalar-rules.js';

/** The compiled PGV rules of one field. */
export interface FieldPlan {
  readonly field: DescField;
  /** Check of the value (singular field), of each element (list) or of each value (map); wrappers unwrapped. */
  readonly value?: ValueCheck;
  /** Check of each map key, given as the JS object key (converted to the key type inside). */
  readonly key?: ValueCheck;
  /** Check of the whole list (array) or map (record): sizes, uniqueness. */
  readonly collection?: ValueCheck;
  /** Rule name when a singular message field must be set (`message.required`, `duration.required`...). */
  readonly required?: string;
  /** `message.skip`: do not validate inside the message value(s). */
  readonly skip: boolean;
}

/** A field's compiled plan plus the rules it names (`repeated.items.string.in`) and any it cannot check. */
export interface FieldRulesReport {
  readonly plan: FieldPlan;
  readonly rules: readonly string[];
  readonly unsupported: readonly string[];
}

interface Target {
  readonly scalar?: ScalarType;
  readonly enum?: DescEnum;
  readonly message?: DescMessage;
}

interface Notes {
  readonly rules: string[];
  readonly unsupported: string[];
}

interface ValueRules {
  check?: ValueCheck;
  required?: string;
  skip: boolean;
}

const KNOWN: Record<string, readonly string[]> = {
  bool: BOOL_RULES,
  string: STRING_RULES,
  bytes: BYTES_RULES,
  enum: ENUM_RULES,
  duration: DURATION_RULES,
  timestamp: TIMESTAMP_RULES,
  any: ANY_RULES,
  repeated: LIST_RULES,
  map: MAP_RULES,
};
for (const k of NUMERIC_KINDS) KNOWN[k] = NUMERIC_RULES;

/** `validate.disabled` on a message: none of its rules (nor those of anything inside it) apply. */
export function isMessageDisabled(desc: DescMessage): boolean {
  return hasOption(desc, disabledOption) && getOption(desc, disabledOption);
}

/** `validate.required` on a oneof: exactly one of its fields must be set. */
export function isOneofRequired(oneof: DescOneof): boolean {
  return hasOption(oneof, requiredOption) && getOption(oneof, requiredOption);
}

export function fieldRulesOf(field: DescField): FieldRules | undefined {
  return hasOption(field, rulesOption) ? getOption(field, rulesOption) : undefined;
}

function scalarKind(t: ScalarType): string {
  return ScalarType[t].toLowerCase();
}

function describe(target: Target): string {
  if (target.message) return target.message.typeName;
  if (target.enum) return `enum ${target.enum.typeName}`;
  return target.scalar !== undefined ? scalarKind(target.scalar) : 'unknown';
}

/** Applies a scalar check to the `value` of a wrapper message given as a message (in oneofs, lists, maps). */
function unwrapping(check: ValueCheck): ValueCheck {
  return (v, path, ctx) => check(typeof v === 'object' && v !== null && '$typeName' in v ? (v as unknown as { value: unknown }).value : v, path, ctx);
}

/** Compiles a `FieldRules` (of a field, or the `items`/`keys`/`values` of a collection) for one value type. */
function compileValueRules(fr: FieldRules, target: Target, notePrefix: string, reportPrefix: string, notes: Notes): ValueRules {
  const out: ValueRules = { skip: false };
  if (fr.message) {
    const m = presentRules(MessageRulesSchema, fr.message);
    for (const k of m.keys()) notes.rules.push(`${notePrefix}message.${k}`);
    if (m.get('required') === true) out.required = `${reportPrefix}message.required`;
    if (m.get('skip') === true) out.skip = true;
  }
  const kase = fr.type.case;
  if (kase === undefined) return out;
  const kindField = FieldRulesSchema.fields.find((f) => f.localName === kase)!;
  const kind = kindField.name;
  const present = presentRules(kindField.message!, fr.type.value);
  const rule: RuleNamer = (name) => `${reportPrefix}${kind}.${name}`;
  const known = KNOWN[kind] ?? [];
  for (const k of present.keys()) (known.includes(k) ? notes.rules : notes.unsupported).push(`${notePrefix}${kind}.${k}`);
  const mismatch = () => notes.unsupported.push(`${notePrefix}${kind} rules on ${describe(target)}`);
  const msg = target.message;
  const wrapped = msg && isWrapperDesc(msg) ? msg.fields[0]!.scalar : undefined;
  const scalar = target.scalar ?? wrapped;
  if (kind === 'duration' || kind === 'timestamp' || kind === 'any') {
    const wkt = `google.protobuf.${kind[0]!.toUpperCase()}${kind.slice(1)}`;
    if (present.get('required') === true) out.required ??= rule('required');
    if (msg?.typeName === wkt) {
      out.check = kind === 'duration' ? compileDuration(present, rule) : kind === 'timestamp' ? compileTimestamp(present, rule) : compileAny(present, rule);
    } else if (!(kind === 'any' && msg && [...present.keys()].every((k) => k === 'required'))) {
      mismatch(); // `any = {required: true}` on a non-Any message field is used by Envoy and means "set"
    }
  } else if (kind === 'enum') {
    if (target.enum) out.check = compileEnum(present, target.enum, rule);
    else mismatch();
  } else if (scalar !== undefined && scalarKind(scalar) === kind) {
    const check = NUMERIC_KINDS.has(kind)
      ? compileNumeric(kind, present, rule)
      : kind === 'bool'
        ? compileBool(present, rule)
        : kind === 'string'
          ? compileString(present, rule)
          : compileBytes(present, rule);
    out.check = check && wrapped !== undefined ? unwrapping(check) : check;
  } else {
    mismatch();
  }
  return out;
}

const cache = new WeakMap<DescField, FieldRulesReport>();

/** Reads and compiles the `(validate.rules)` of a field once (cached per descriptor). */
export function compileFieldRules(field: DescField): FieldRulesReport {
  let report = cache.get(field);
  if (!report) cache.set(field, (report = compile(field)));
  return report;
}

function compile(field: DescField): FieldRulesReport {
  const notes: Notes = { rules: [], unsupported: [] };
  const fr = fieldRulesOf(field);
  const element: Target = { scalar: field.scalar, enum: field.enum, message: field.message };
  if (!fr) return { plan: { field, skip: false }, ...notes };
  if (field.fieldKind !== 'list' && field.fieldKind !== 'map') {
    const v = compileValueRules(fr, element, '', '', notes);
    return { plan: { field, value: v.check, required: v.required, skip: v.skip }, ...notes };
  }
  const own = compileValueRules({ ...fr, type: { case: undefined } }, element, '', '', notes);
  const kind = field.fieldKind === 'list' ? 'repeated' : 'map';
  if (fr.type.case !== undefined && fr.type.case !== kind) {
    notes.unsupported.push(`${fr.type.case} rules on a ${kind} field`);
    return { plan: { field, skip: own.skip }, ...notes };
  }
  if (fr.type.case === undefined) return { plan: { field, skip: own.skip }, ...notes };
  const rulesDesc = kind === 'repeated' ? RepeatedRulesSchema : MapRulesSchema;
  const present = presentRules(rulesDesc, fr.type.value);
  const known = KNOWN[kind]!;
  for (const k of present.keys()) {
    if (k === 'items' || k === 'keys' || k === 'values') continue;
    (known.includes(k) ? notes.rules : notes.unsupported).push(`${kind}.${k}`);
  }
  const collection = compileCollection(kind, present, element, notes.unsupported);
  const items = present.get(kind === 'repeated' ? 'items' : 'values') as FieldRules | undefined;
  const sub = items ? compileValueRules(items, element, `${kind}.${kind === 'repeated' ? 'items' : 'values'}.`, '', notes) : undefined;
  let key: ValueCheck | undefined;
  const keys = present.get('keys') as FieldRules | undefined;
  if (keys && field.fieldKind === 'map') {
    const keyCheck = compileValueRules(keys, { scalar: field.mapKey }, 'map.keys.', 'map.keys.', notes).check;
    const convert = mapKeyConverter(field.mapKey);
    key = keyCheck && ((k, path, ctx) => keyCheck(convert(k as string), path, ctx));
  }
  return { plan: { field, value: sub?.check, key, collection, skip: own.skip || (sub?.skip ?? false) }, ...notes };
}
