import type { DescField, DescMessage, DescOneof } from '@bufbuild/protobuf';
import { compileFieldRules, isMessageDisabled, isOneofRequired, type FieldPlan } from './pgv-rules.js';

export const ANY_TYPE_NAME = 'google.protobuf.Any';

/** A field to visit: its compiled rules, and whether to validate inside its message value(s). */
export interface FieldEntry extends FieldPlan {
  /** The field's message type may contain rules (or is an Any): walk into its values. */
  readonly descend: boolean;
}

/**
 * What validating one message type involves, computed once per descriptor. `active` is false when
 * nothing inside the type (transitively) carries a rule, so the walker never enters it.
 */
export interface MessagePlan {
  readonly desc: DescMessage;
  readonly active: boolean;
  readonly requiredOneofs: readonly DescOneof[];
  readonly fields: readonly FieldEntry[];
}

const plans = new WeakMap<DescMessage, MessagePlan>();
const activity = new WeakMap<DescMessage, boolean>();

function hasChecks(p: FieldPlan): boolean {
  return p.value !== undefined || p.key !== undefined || p.collection !== undefined || p.required !== undefined;
}

/** Message types a message's fields lead into (not through `message.skip` fields). */
function children(desc: DescMessage): DescMessage[] {
  const out: DescMessage[] = [];
  for (const f of desc.fields) if (f.message && !compileFieldRules(f).plan.skip) out.push(f.message);
  return out;
}

function hasOwnRules(desc: DescMessage): boolean {
  return (
    desc.typeName === ANY_TYPE_NAME ||
    desc.oneofs.some(isOneofRequired) ||
    desc.fields.some((f: DescField) => hasChecks(compileFieldRules(f).plan))
  );
}

/**
 * Whether a message type (transitively) carries rules. Types can be recursive, so the whole graph
 * reachable from `root` is solved at once by a fixpoint and every node's answer cached.
 */
export function isActive(root: DescMessage): boolean {
  const known = activity.get(root);
  if (known !== undefined) return known;
  const nodes: DescMessage[] = [];
  const edges = new Map<DescMessage, DescMessage[]>();
  const stack = [root];
  while (stack.length > 0) {
    const m = stack.pop()!;
    if (edges.has(m) || activity.has(m)) continue;
    const next = isMessageDisabled(m) ? [] : children(m);
    edges.set(m, next);
    nodes.push(m);
    stack.push(...next);
  }
  const active = new Map<DescMessage, boolean>();
  for (const m of nodes) active.set(m, !isMessageDisabled(m) && hasOwnRules(m));
  for (let changed = true; changed; ) {
    changed = false;
    for (const m of nodes) {
      if (active.get(m) || isMessageDisabled(m)) continue;
      if (edges.get(m)!.some((c) => active.get(c) ?? activity.get(c))) {
        active.set(m, true);
        changed = true;
      }
    }
  }
  for (const m of nodes) activity.set(m, active.get(m)!);
  return activity.get(root)!;
}

/** The cached validation plan of a message type. */
export function planOf(desc: DescMessage): MessagePlan {
  let plan = plans.get(desc);
  if (plan) return plan;
  const active = isActive(desc);
  const fields: FieldEntry[] = [];
  if (active) {
    for (const f of desc.fields) {
      const p = compileFieldRules(f).plan;
      const descend = f.message !== undefined && !p.skip && isActive(f.message);
      if (descend || hasChecks(p)) fields.push({ ...p, descend });
    }
  }
  plan = { desc, active, requiredOneofs: active ? desc.oneofs.filter(isOneofRequired) : [], fields };
  plans.set(desc, plan);
  return plan;
}
