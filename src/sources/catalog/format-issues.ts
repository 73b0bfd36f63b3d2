import type { z } from 'zod';
import { formatPath } from '../../core/result.js';

/** A one-line message naming the offending field(s): `Port: Too big: expected number to be <=65535`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = formatPath(issue.path);
      const message = /received undefined$/.test(issue.message) ? 'is required' : issue.message.replace(/^Invalid input: /, '');
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

/** The path of the first issue, for {@link Result}'s `path`. */
export function firstPath(error: z.ZodError): (string | number)[] {
  return (error.issues[0]?.path ?? []).map((p) => (typeof p === 'number' ? p : String(p)));
}
