import { fromBinary, isFieldSet, ScalarType, type DescMessage, type Message, type Registry } from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import { envoyTypeRegistry } from './envoy-registry.js';
import { ANY_TYPE_NAME, planOf, type FieldEntry } from './message-plan.js';
import { fieldPath, indexPath, type CheckContext, type Violation } from './violation.js';

export interface ValidateOptions {
  /**
   * The types `google.protobuf.Any` values are unpacked with, so that their contents are validated
   * too (an HttpConnectionManager inside a Listener filter's typed_config). Default: every generated
   * Envoy type. An Any of a type not in the registry is not looked into.
   */
  readonly registry?: Registry;
  /** Clock (ms since the epoch) for timestamp `lt_now`/`gt_now`/`within`. Default `Date.now`. */
  readonly now?: () => number;
}

const IMPLICIT = FeatureSet_FieldPresence.IMPLICIT;

/** Deeper nesting than this is reported (rule `depth`) instead of walked: protobuf's own limit. */
export const MAX_DEPTH = 100;

interface Walk extends CheckContext {
  readonly registry: Registry;
}

/**
 * Checks a message against the PGV `(validate.rules)`, `(validate.required)` and `(validate.disabled)`
 * options of its schema and of everything inside it: sub-messages, lists, maps and the known types
 * packed in `Any` fields. Returns every violation found (empty when the message is valid). Never
 * throws: a malformed message object yields violations, not exceptions.
 */
export function validateMessage(schema: DescMessage, message: Message, options: ValidateOptions = {}): Violation[] {
  const out: Violation[] = [];
  const ctx: Walk = {
    registry: options.registry ?? envoyTypeRegistry,
    now: options.now ?? Date.now,
    report: (path, rule, msg) => void out.push({ path, rule, message: msg }),
  };
  try {
    if (typeof message !== 'object' || message === null) {
      ctx.report('', 'type', `expected a ${schema.typeName} message`);
    } else if (message.$typeName !== schema.typeName) {
      ctx.report('', 'type', `expected a ${schema.typeName} message, got ${String(message.$typeName)}`);
    } else {
      walkMessage(schema, message, '', 0, ctx);
    }
  } catch (err) {
    ctx.report('', 'internal', `validation stopped: ${err instanceof Error ? err.message : String(err)}`);
  }
  return out;
}

function walkMessage(desc: DescMessage, message: unknown, path: string, depth: number, ctx: Walk): void {
  const plan = planOf(desc);
  if (!plan.active) return;
  if (depth > MAX_DEPTH) {
    ctx.report(path, 'depth', `nested more than ${MAX_DEPTH} messages deep`);
    return;
  }
  if (typeof message !== 'object' || message === null) {
    ctx.report(path, 'type', `expected a ${desc.typeName} message`);
    return;
  }
  const obj = message as Record<string, unknown>;
  for (const oneof of plan.requiredOneofs) {
    const sel = obj[oneof.localName] as { case?: unknown } | undefined;
    if (sel?.case === undefined) {
      ctx.report(fieldPath(path, oneof.name), 'oneof.required', `one of ${oneof.fields.map((f) => f.name).join(', ')} must be set`);
    }
  }
  for (const entry of plan.fields) visitField(entry, obj, path, depth, ctx);
}

function visitField(e: FieldEntry, obj: Record<string, unknown>, parent: string, depth: number, ctx: Walk): void {
  const f = e.field;
  const path = fieldPath(parent, f.name);
  if (f.fieldKind === 'list') {
    const list = obj[f.localName];
    if (!Array.isArray(list)) return ctx.report(path, 'type', 'expected a list');
    e.collection?.(list, path, ctx);
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      const at = indexPath(path, i, false);
      e.value?.(item, at, ctx);
      if (e.descend && item != null) descend(f.message!, item, at, depth, ctx);
    }
    return;
  }
  if (f.fieldKind === 'map') {
    const rec = obj[f.localName];
    if (typeof rec !== 'object' || rec === null) return ctx.report(path, 'type', 'expected a map');
    e.collection?.(rec, path, ctx);
    const quote = f.mapKey === ScalarType.STRING;
    for (const [k, v] of Object.entries(rec)) {
      const at = indexPath(path, k, quote);
      e.key?.(k, at, ctx);
      e.value?.(v, at, ctx);
      if (e.descend && v != null) descend(f.message!, v, at, depth, ctx);
    }
    return;
  }
  let value: unknown;
  if (f.oneof) {
    const sel = obj[f.oneof.localName] as { case?: string; value?: unknown } | undefined;
    if (sel?.case !== f.localName) return;
    value = sel.value;
  } else {
    // Explicit presence (proto2, proto3 `optional`): an unset scalar is not checked, as in PGV.
    if (f.fieldKind !== 'message' && f.presence !== IMPLICIT && !isFieldSet(obj as never, f)) return;
    value = obj[f.localName];
  }
  if (value === undefined || value === null) {
    if (e.required && !f.oneof) ctx.report(path, e.required, 'is required');
    return;
  }
  e.value?.(value, path, ctx);
  if (e.descend) descend(f.message!, value, path, depth, ctx);
}

function descend(desc: DescMessage, value: unknown, path: string, depth: number, ctx: Walk): void {
  if (desc.typeName === ANY_TYPE_NAME) walkAny(value as { typeUrl?: unknown; value?: unknown }, path, depth, ctx);
  else walkMessage(desc, value, path, depth + 1, ctx);
}

/** Unpacks an Any of a registered type and validates its contents under the Any's own path. */
function walkAny(any: { typeUrl?: unknown; value?: unknown }, path: string, depth: number, ctx: Walk): void {
  const typeUrl = any.typeUrl;
  if (typeof typeUrl !== 'string' || typeUrl === '') return;
  const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  const desc = ctx.registry.getMessage(typeName);
  if (!desc) return;
  if (!(any.value instanceof Uint8Array)) return ctx.report(path, 'any.unpack', `value of ${typeName} is not bytes`);
  let inner: Message;
  try {
    inner = fromBinary(desc, any.value);
  } catch (err) {
    ctx.report(path, 'any.unpack', `cannot decode ${typeName}: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  walkMessage(desc, inner, path, depth + 1, ctx);
}
