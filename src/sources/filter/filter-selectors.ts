/**
 * The fields a filter may select, with their types: what Consul evaluates a resolver subset filter against
 * (a service instance with its node and checks). Field names are matched case-insensitively and canonicalized.
 */
export type FieldType =
  | { readonly kind: 'string' }
  | { readonly kind: 'number' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'stringList' }
  /** A map with user-chosen keys and string values (`Meta`); `.key` selects one value. */
  | { readonly kind: 'map' }
  | { readonly kind: 'struct'; readonly fields: Readonly<Record<string, FieldType>> }
  /** A list of structs (`Checks`): selecting a field gives the list of that field's values. */
  | { readonly kind: 'structList'; readonly fields: Readonly<Record<string, FieldType>> };

const str = { kind: 'string' } as const;
const num = { kind: 'number' } as const;
const strList = { kind: 'stringList' } as const;
const map = { kind: 'map' } as const;

export const INSTANCE_FIELDS: FieldType = {
  kind: 'struct',
  fields: {
    Service: {
      kind: 'struct',
      fields: {
        ID: str,
        Service: str,
        Kind: str,
        Address: str,
        Port: num,
        Tags: strList,
        Meta: map,
        Weights: { kind: 'struct', fields: { Passing: num, Warning: num } },
      },
    },
    Node: {
      kind: 'struct',
      fields: { ID: str, Node: str, Address: str, Datacenter: str, Meta: map },
    },
    Checks: {
      kind: 'structList',
      fields: { CheckID: str, Name: str, Status: str, ServiceID: str, ServiceName: str, Output: str, Node: str },
    },
  },
};

/** What a resolved selector denotes: a single value, or (through a list of structs) a list of values. */
export type SelectedType = 'string' | 'number' | 'bool' | 'stringList' | 'map' | 'struct' | 'structList';

/**
 * Resolves a selector against the schema. Returns the canonical segments and the selected type,
 * or an error message naming the first segment that does not exist.
 */
export function resolveSelector(
  segments: readonly string[],
): { ok: true; canonical: string[]; type: SelectedType } | { ok: false; error: string } {
  let t: FieldType = INSTANCE_FIELDS;
  const canonical: string[] = [];
  let throughList = false;
  for (const seg of segments) {
    if (t.kind === 'map') {
      canonical.push(seg);
      t = str;
      continue;
    }
    if (t.kind !== 'struct' && t.kind !== 'structList') {
      return { ok: false, error: `selector "${[...canonical, seg].join('.')}" is not valid: "${canonical.join('.')}" has no fields` };
    }
    if (t.kind === 'structList') throughList = true;
    const fields: Readonly<Record<string, FieldType>> = t.fields;
    const name = Object.keys(fields).find((k) => k.toLowerCase() === seg.toLowerCase());
    if (name === undefined) {
      const known = Object.keys(fields).join(', ');
      const where = canonical.length === 0 ? '' : ` of "${canonical.join('.')}"`;
      return { ok: false, error: `selector "${[...canonical, seg].join('.')}" is not valid: no field "${seg}"${where} (known: ${known})` };
    }
    canonical.push(name);
    t = fields[name]!;
  }
  if (canonical.length === 0) return { ok: false, error: 'empty selector' };
  if (throughList) {
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'bool') return { ok: true, canonical, type: 'stringList' };
    return { ok: false, error: `selector "${canonical.join('.')}" is not valid: only plain fields can be selected through a list` };
  }
  return { ok: true, canonical, type: t.kind };
}
