import { toJson, type JsonValue } from '@bufbuild/protobuf';
import { distinctUntilChanged, map, type Observable } from 'rxjs';
import { RESOURCE_KINDS, type Resource } from '../../core/resource.js';
import { PUSH_ORDER, isKnownTypeUrl } from '../../core/type-urls.js';
import { envoyTypeRegistry } from '../../pipelines/validate/envoy-registry.js';
import type { StreamStatus } from '../xds/stream-status.js';
import { streamsOfNode } from './proxy-status-view.js';
import { redactSecrets } from './redact-secrets.js';

/**
 * What a proxy was last sent, as `GET /v1/rxds/proxies/:id/config` answers it: per type URL, per resource
 * name, the resource in the protobuf JSON mapping (proto field names, as Envoy's own config dump), with
 * private keys and other key material shown as "[redacted]" (as Envoy's config dump does; see redact-secrets.ts).
 * Types in push order, names sorted: equal configs serialize equally.
 */
export interface ProxyConfig {
  readonly NodeID: string;
  readonly Resources: { readonly [typeUrl: string]: { readonly [name: string]: JsonValue } };
}

/** Renders a resource as JSON; the same Resource object always yields the same (frozen) JSON object. */
export type ResourceRenderer = (resource: Resource) => JsonValue;

/**
 * A renderer that caches per Resource (resources are immutable and shared by every stream that holds
 * them): N watchers of a config cost one rendering per resource, and unchanged resources keep their
 * JSON object, so diffs skip them by reference.
 */
export function createResourceRenderer(): ResourceRenderer {
  const cache = new WeakMap<Resource, JsonValue>();
  return (r) => {
    let json = cache.get(r);
    if (json === undefined) {
      json = deepFreeze(render(r));
      cache.set(r, json);
    }
    return json;
  };
}

function render(r: Resource): JsonValue {
  if (!isKnownTypeUrl(r.typeUrl)) return { '@error': `no schema for ${r.typeUrl}` };
  try {
    return redactSecrets(toJson(RESOURCE_KINDS[r.typeUrl].schema, r.message as never, { registry: envoyTypeRegistry, useProtoFieldName: true }));
  } catch (err) {
    // An Any of a type rxds has no schema for: show what can be shown rather than failing the whole dump.
    return { '@error': `cannot render as JSON: ${(err as Error).message}`, '@bytes': Buffer.from(r.body).toString('base64') };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** The resources a node's streams hold, per type (the newest stream wins for a type served by several). */
export function sentResources(streams: readonly StreamStatus[]): Map<string, ReadonlyMap<string, Resource>> {
  const out = new Map<string, ReadonlyMap<string, Resource>>();
  for (const s of streams) for (const [typeUrl, resources] of s.sent) if (s.types.has(typeUrl)) out.set(typeUrl, resources);
  return out;
}

/** The config document of node `nodeId`, or undefined when it has no stream. */
export function proxyConfig(
  statuses: ReadonlyMap<string, StreamStatus>,
  nodeId: string,
  renderer: ResourceRenderer,
): ProxyConfig | undefined {
  const streams = streamsOfNode(statuses, nodeId);
  if (streams.length === 0) return undefined;
  return renderConfig(nodeId, sentResources(streams), renderer);
}

function renderConfig(nodeId: string, sent: ReadonlyMap<string, ReadonlyMap<string, Resource>>, renderer: ResourceRenderer): ProxyConfig {
  const resources: Record<string, Record<string, JsonValue>> = {};
  for (const typeUrl of [...sent.keys()].sort(byPushOrder)) {
    const byName: Record<string, JsonValue> = {};
    const held = sent.get(typeUrl)!;
    for (const name of [...held.keys()].sort()) byName[name] = renderer(held.get(name)!);
    resources[typeUrl] = byName;
  }
  return { NodeID: nodeId, Resources: resources };
}

/**
 * The live config document of node `nodeId`: emits when what it holds changes (other streams' changes
 * and status-only changes such as ACKs are skipped without rendering). A node with no stream is an
 * empty document: it may reconnect.
 */
export function proxyConfig$(
  streams$: Observable<ReadonlyMap<string, StreamStatus>>,
  nodeId: string,
  renderer: ResourceRenderer,
): Observable<ProxyConfig> {
  return streams$.pipe(
    map((statuses) => sentResources(streamsOfNode(statuses, nodeId))),
    distinctUntilChanged(sameHeld),
    map((sent) => renderConfig(nodeId, sent, renderer)),
  );
}

function sameHeld(a: ReadonlyMap<string, ReadonlyMap<string, Resource>>, b: ReadonlyMap<string, ReadonlyMap<string, Resource>>): boolean {
  if (a.size !== b.size) return false;
  for (const [t, m] of a) {
    const o = b.get(t);
    if (o === m) continue;
    if (!o || o.size !== m.size) return false;
    for (const [n, r] of m) if (o.get(n) !== r) return false;
  }
  return true;
}

function byPushOrder(a: string, b: string): number {
  const rank = (t: string) => {
    const i = (PUSH_ORDER as readonly string[]).indexOf(t);
    return i < 0 ? PUSH_ORDER.length : i;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
