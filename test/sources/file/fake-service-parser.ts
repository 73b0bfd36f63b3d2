import { err, ok, type Result } from '../../../src/core/result.js';
import { normalizeKeys } from '../../../src/sources/normalize-keys.js';

/** A minimal stand-in for the API's service parser: Name required, Port a number, ID defaults to Name. */
export interface TestService {
  readonly ID: string;
  readonly Name: string;
  readonly Port: number;
  readonly Meta: Record<string, string>;
}

export function parseTestService(raw: unknown): Result<TestService> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return err('a service definition must be an object');
  const s = normalizeKeys(raw, { opaque: new Set(['Meta']) }) as Record<string, unknown>;
  if (typeof s['Name'] !== 'string' || s['Name'] === '') return err('Name: is required', ['Name']);
  if (s['Port'] !== undefined && typeof s['Port'] !== 'number') return err('Port: expected number', ['Port']);
  return ok({
    ID: typeof s['ID'] === 'string' ? s['ID'] : s['Name'],
    Name: s['Name'],
    Port: (s['Port'] as number | undefined) ?? 0,
    Meta: (s['Meta'] as Record<string, string> | undefined) ?? {},
  });
}
