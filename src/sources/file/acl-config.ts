import { z } from 'zod';
import { normalizeKeys } from '../normalize-keys.js';
import { err, formatPath, ok, type Result } from '../../core/result.js';
import { inputShapeProblem } from '../config-entries/input-shape.js';

const accessSchema = z.enum(['read', 'write'], { error: "must be 'read' or 'write'" });

/** `{Service: web, Access: write}` or `{Operator: read}` (CONTRACT section 5). */
export const aclPolicySchema = z.union([
  z.strictObject({ Service: z.string().min(1, { message: 'is required' }), Access: accessSchema }),
  z.strictObject({ Operator: accessSchema }),
]);

export const aclTokenSchema = z.strictObject({
  SecretID: z.string().min(1, { message: 'is required' }),
  AccessorID: z.string().optional(),
  Description: z.string().optional(),
  Policies: z.array(aclPolicySchema).default([]),
});

export const aclConfigSchema = z.strictObject({
  DefaultPolicy: z.enum(['allow', 'deny'], { error: "must be 'allow' or 'deny'" }).default('allow'),
  Tokens: z.array(aclTokenSchema).default([]),
});

export type AclPolicy = z.output<typeof aclPolicySchema>;
export type AclToken = z.output<typeof aclTokenSchema>;
/** The `acl` section of a declarative file, keys in PascalCase (`DefaultPolicy`, `Tokens[].SecretID`). */
export type AclConfig = z.output<typeof aclConfigSchema>;

/** Validates an `acl` section (keys in snake_case or PascalCase). Token SecretIDs must be unique. */
export function parseAclConfig(raw: unknown): Result<AclConfig> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return err('must be a mapping (default_policy, tokens)');
  const shape = inputShapeProblem(raw);
  if (shape) return err(`${formatPath(shape.path)}: ${shape.message}`, shape.path);
  const parsed = aclConfigSchema.safeParse(normalizeKeys(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    let message = /received undefined$/.test(issue.message) ? 'is required' : issue.message.replace(/^Invalid input: /, '');
    if (issue.code === 'unrecognized_keys') {
      path.push(issue.keys[0] ?? '');
      message = 'unknown field';
    } else if (issue.code === 'invalid_union') {
      message = 'a policy is {Service, Access} or {Operator}';
    }
    return err(`${formatPath(path)}: ${message}`, path);
  }
  const seen = new Set<string>();
  for (const [i, t] of parsed.data.Tokens.entries()) {
    if (seen.has(t.SecretID)) return err(`Tokens[${i}].SecretID: duplicate token`, ['Tokens', i, 'SecretID']);
    seen.add(t.SecretID);
  }
  return ok(parsed.data);
}
