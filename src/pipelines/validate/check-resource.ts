import { isKnownTypeUrl } from '../../core/type-urls.js';
import { RESOURCE_KINDS, type Resource } from '../../core/resource.js';
import { validateMessage, type ValidateOptions } from './validate-message.js';
import type { Violation } from './violation.js';

/**
 * Checks one xDS resource against the PGV rules of its type (the schema from RESOURCE_KINDS), and
 * that it is what it claims to be: a type rxds serves, a message of that type, named as its name
 * field says. An empty result means the resource may be sent.
 */
export function checkResource(resource: Resource, options?: ValidateOptions): Violation[] {
  if (!isKnownTypeUrl(resource.typeUrl)) {
    return [{ path: '', rule: 'resource.type_url', message: `rxds does not serve ${resource.typeUrl}` }];
  }
  const kind = RESOURCE_KINDS[resource.typeUrl];
  const violations = validateMessage(kind.schema, resource.message, options);
  if (violations.some((v) => v.rule === 'type' && v.path === '')) return violations;
  let name: string | undefined;
  try {
    name = kind.name(resource.message as never);
  } catch {
    name = undefined;
  }
  if (name !== resource.name) {
    violations.push({
      path: '',
      rule: 'resource.name',
      message: `resource is named ${JSON.stringify(resource.name)} but its message names ${JSON.stringify(name)}`,
    });
  }
  return violations;
}

/**
 * Remembers the verdict per Resource object: resources are immutable and shared by every proxy that
 * gets them, so each is checked once however many snapshots carry it.
 */
export class ResourceGate {
  private readonly verdicts = new WeakMap<Resource, readonly Violation[]>();
  /** Number of resources actually validated (cache misses), for tests and metrics. */
  checked = 0;

  constructor(private readonly options?: ValidateOptions) {}

  check(resource: Resource): readonly Violation[] {
    let v = this.verdicts.get(resource);
    if (!v) {
      v = Object.freeze(checkResource(resource, this.options));
      this.checked++;
      this.verdicts.set(resource, v);
    }
    return v;
  }
}
