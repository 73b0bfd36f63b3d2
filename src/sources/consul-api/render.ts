import { createHash } from 'node:crypto';
import type { ServiceHealth } from '../catalog/health-status.js';
import type { CheckRecord, ConfigEntryRecord, ServiceRecord } from '../store/catalog-state.js';

/** The node rxds presents itself as: it is its own (single) Consul agent. */
export interface NodeInfo {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  readonly datacenter: string;
}

export function defaultNode(overrides: Partial<NodeInfo> = {}): NodeInfo {
  const name = overrides.name ?? 'rxds';
  return {
    name,
    id: overrides.id ?? uuidFrom(name),
    address: overrides.address ?? '127.0.0.1',
    datacenter: overrides.datacenter ?? 'dc1',
  };
}

/** A stable UUID-shaped node ID derived from the node name (Consul node IDs are UUIDs). */
function uuidFrom(name: string): string {
  const h = createHash('sha256').update(`rxds-node:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function proxyFields(s: ServiceRecord): Record<string, unknown> {
  return {
    ...(s.Kind ? { Kind: s.Kind } : {}),
    ...(s.Proxy ? { Proxy: s.Proxy } : {}),
    ...(s.Connect ? { Connect: s.Connect } : {}),
  };
}

/** An entry of `GET /v1/agent/services`. */
export function agentService(s: ServiceRecord, node: NodeInfo): Record<string, unknown> {
  return {
    ...(s.Kind ? { Kind: s.Kind } : {}),
    ID: s.ID,
    Service: s.Service,
    Tags: s.Tags,
    Meta: s.Meta,
    Port: s.Port,
    Address: s.Address,
    ...(s.TaggedAddresses ? { TaggedAddresses: s.TaggedAddresses } : {}),
    Weights: s.Weights,
    EnableTagOverride: s.EnableTagOverride,
    ...(s.Proxy ? { Proxy: s.Proxy } : {}),
    ...(s.Connect ? { Connect: s.Connect } : {}),
    Datacenter: node.datacenter,
  };
}

/** A check as `GET /v1/agent/checks` and the health endpoints show it. */
export function healthCheck(c: CheckRecord, node: NodeInfo): Record<string, unknown> {
  return {
    Node: node.name,
    CheckID: c.CheckID,
    Name: c.Name,
    Status: c.Status,
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: c.ServiceID,
    ServiceName: c.ServiceName,
    ServiceTags: c.ServiceTags,
    Type: c.Type,
    Interval: c.Definition.Interval ?? '',
    Timeout: c.Definition.Timeout ?? '',
    Definition: c.Definition,
    CreateIndex: c.CreateIndex,
    ModifyIndex: c.ModifyIndex,
  };
}

function nodeObject(node: NodeInfo): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, lan_ipv4: node.address, wan: node.address, wan_ipv4: node.address },
    Meta: {},
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

/** An entry of `GET /v1/catalog/service/:name`. */
export function catalogService(s: ServiceRecord, node: NodeInfo): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, lan_ipv4: node.address, wan: node.address, wan_ipv4: node.address },
    NodeMeta: {},
    ServiceKind: s.Kind,
    ServiceID: s.ID,
    ServiceName: s.Service,
    ServiceTags: s.Tags,
    ServiceAddress: s.Address,
    ...(s.TaggedAddresses ? { ServiceTaggedAddresses: s.TaggedAddresses } : {}),
    ServiceWeights: s.Weights,
    ServiceMeta: s.Meta,
    ServicePort: s.Port,
    ServiceEnableTagOverride: s.EnableTagOverride,
    ServiceProxy: s.Proxy ?? {},
    ServiceConnect: s.Connect ?? {},
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
}

/** An entry of `GET /v1/health/service/:name`. */
export function healthEntry(h: ServiceHealth, node: NodeInfo): Record<string, unknown> {
  const s = h.service;
  return {
    Node: nodeObject(node),
    Service: {
      ID: s.ID,
      Service: s.Service,
      Tags: s.Tags,
      Address: s.Address,
      ...(s.TaggedAddresses ? { TaggedAddresses: s.TaggedAddresses } : {}),
      Meta: s.Meta,
      Port: s.Port,
      Weights: s.Weights,
      EnableTagOverride: s.EnableTagOverride,
      ...proxyFields(s),
      CreateIndex: s.CreateIndex,
      ModifyIndex: s.ModifyIndex,
    },
    Checks: h.checks.map((c) => healthCheck(c, node)),
  };
}

/** A config entry as `GET /v1/config/...` shows it. */
export function configEntry(e: ConfigEntryRecord): Record<string, unknown> {
  return { ...e.Entry, Kind: e.Kind, Name: e.Name, CreateIndex: e.CreateIndex, ModifyIndex: e.ModifyIndex };
}
