// Builders for store records and write ops, so tests state only what matters to them.
import type { CheckInput, ConfigEntryInput, ServiceInput, WriteOp } from '../../../src/sources/store/catalog-state.js';

export function serviceInput(id: string, overrides: Partial<ServiceInput> = {}): ServiceInput {
  return {
    ID: id,
    Service: overrides.Service ?? id.replace(/-\d+$/, ''),
    Kind: '',
    Tags: [],
    Meta: {},
    Address: '127.0.0.1',
    Port: 8080,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Owner: 'api',
    ...overrides,
  };
}

export function checkInput(id: string, service: ServiceInput, overrides: Partial<CheckInput> = {}): CheckInput {
  return {
    CheckID: id,
    Name: `check ${id}`,
    Status: 'critical',
    Notes: '',
    Output: '',
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: service.Tags,
    Type: 'ttl',
    Definition: { TTL: '10s' },
    Owner: 'api',
    ...overrides,
  };
}

export function configInput(kind: string, name: string, fields: Record<string, unknown> = {}): ConfigEntryInput {
  return { Kind: kind, Name: name, Entry: { Kind: kind, Name: name, ...fields }, Owner: 'api' };
}

export const put = (service: ServiceInput): WriteOp => ({ type: 'service-put', service });
export const putCheck = (check: CheckInput): WriteOp => ({ type: 'check-put', check });
