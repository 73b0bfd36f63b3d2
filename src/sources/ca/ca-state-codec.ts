import { z } from 'zod';
import { formatIssues } from '../catalog/format-issues.js';
import type { Result } from '../../core/result.js';
import { err, ok } from '../../core/result.js';
import type { CaState } from './ca-types.js';
import { trustDomainProblem } from './spiffe-id.js';

/** The persisted form of a {@link CaState}: JSON, versioned so a future format can be told apart. */
export const CA_STATE_FORMAT_VERSION = 1;

const pem = (label: string) =>
  z.string().refine((s) => s.includes(`-----BEGIN ${label}-----`) && s.includes(`-----END ${label}-----`), `expected a PEM ${label}`);
const time = z.number().int().nonnegative();

const rootSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2})*$/, 'expected colon-separated hex'),
  certPem: pem('CERTIFICATE'),
  privateKeyPem: pem('PRIVATE KEY'),
  createdAt: time,
  notBefore: time,
  notAfter: time,
  leavesValidUntil: time.optional(),
});

const stateSchema = z.strictObject({
  version: z.literal(CA_STATE_FORMAT_VERSION),
  trustDomain: z.string().refine((s) => trustDomainProblem(s) === undefined, 'not a SPIFFE trust domain'),
  activeRootId: z.string(),
  leafTtlMs: z.number().int().positive(),
  roots: z.array(rootSchema).min(1),
});

/** The JSON text of a state (keys included: callers store it with mode 0600). */
export function encodeCaState(state: CaState): string {
  const { trustDomain, activeRootId, leafTtlMs, roots } = state;
  return JSON.stringify({ version: CA_STATE_FORMAT_VERSION, trustDomain, activeRootId, leafTtlMs, roots }, null, 2) + '\n';
}

/** Parses and checks persisted state: a readable error naming the field, never a half-valid state. */
export function decodeCaState(text: string): Result<CaState> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return err(`not JSON: ${(e as Error).message}`);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) return err(formatIssues(parsed.error));
  const { version: _version, ...state } = parsed.data;
  const ids = new Set<string>();
  for (const [i, root] of state.roots.entries()) {
    if (ids.has(root.id)) return err(`roots[${i}].id: duplicate root ${root.id}`, ['roots', i, 'id']);
    ids.add(root.id);
  }
  if (!ids.has(state.activeRootId)) return err(`activeRootId: ${state.activeRootId} is not one of the roots`, ['activeRootId']);
  return ok(deepFreeze(state));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
