import { PUSH_ORDER, SHORT_TYPE_NAME, isKnownTypeUrl } from '../../core/type-urls.js';
import type { StreamStatus, SyncStatus, TypeStatus } from '../xds/stream-status.js';

/** One type of one proxy in `GET /v1/rxds/proxies`. Ages are milliseconds before the response; null = never. */
export interface ProxyTypeView {
  readonly TypeURL: string;
  /** CDS, EDS, LDS, RDS or SDS. */
  readonly Type: string;
  readonly Status: SyncStatus;
  readonly LastSentVersion: string | null;
  readonly LastSentNonce: string | null;
  readonly LastAckedVersion: string | null;
  readonly NackError: string | null;
  readonly SentAgeMs: number | null;
  readonly AckAgeMs: number | null;
  readonly NackAgeMs: number | null;
  /** Resources the proxy holds of this type (as last sent). */
  readonly Resources: number;
  /** The subscription: names, or "*" for wildcard. */
  readonly Subscribed: readonly string[] | '*';
  readonly StreamID: string;
}

export interface ProxyStreamView {
  readonly StreamID: string;
  readonly Kind: 'sotw' | 'delta';
  /** The type URL of a per-type stream (CDS, EDS, ...); null for ADS. */
  readonly TypeURL: string | null;
  readonly Peer: string;
  readonly ConnectedAgeMs: number;
}

/** One connected proxy (every stream of one node id). */
export interface ProxyView {
  readonly NodeID: string;
  readonly Service: string;
  readonly Cluster: string;
  /** The kind of its streams (of the newest one when they differ). */
  readonly Kind: 'sotw' | 'delta';
  readonly Streams: readonly ProxyStreamView[];
  readonly Types: readonly ProxyTypeView[];
}

export type ServiceOf = (nodeId: string, cluster: string) => string | undefined;

/** The streams of one node id, oldest first (so that the newest stream's view of a type wins). */
export function streamsOfNode(statuses: ReadonlyMap<string, StreamStatus>, nodeId: string): StreamStatus[] {
  return [...statuses.values()].filter((s) => s.nodeId === nodeId).sort(byConnection);
}

/** Every connected proxy, by node id. Streams still waiting for their first request have no node id: skipped. */
export function proxyViews(statuses: ReadonlyMap<string, StreamStatus>, now: number, serviceOf?: ServiceOf): ProxyView[] {
  const byNode = new Map<string, StreamStatus[]>();
  for (const s of statuses.values()) {
    if (s.nodeId === '') continue;
    let list = byNode.get(s.nodeId);
    if (!list) byNode.set(s.nodeId, (list = []));
    list.push(s);
  }
  return [...byNode.keys()].sort().map((nodeId) => proxyView(byNode.get(nodeId)!.sort(byConnection), now, serviceOf));
}

/** The view of one proxy from its streams (oldest first). */
export function proxyView(streams: readonly StreamStatus[], now: number, serviceOf?: ServiceOf): ProxyView {
  const newest = streams[streams.length - 1]!;
  const types = new Map<string, ProxyTypeView>();
  for (const s of streams) {
    for (const [typeUrl, t] of s.types) types.set(typeUrl, typeView(t, s, now));
  }
  return {
    NodeID: newest.nodeId,
    Service: serviceOf?.(newest.nodeId, newest.cluster) || newest.cluster || newest.nodeId,
    Cluster: newest.cluster,
    Kind: newest.kind,
    Streams: streams.map((s) => ({
      StreamID: s.streamId,
      Kind: s.kind,
      TypeURL: s.typeUrl ?? null,
      Peer: s.peer,
      ConnectedAgeMs: age(now, s.connectedAt)!,
    })),
    Types: [...types.values()].sort((a, b) => typeRank(a.TypeURL) - typeRank(b.TypeURL) || cmp(a.TypeURL, b.TypeURL)),
  };
}

function typeView(t: TypeStatus, s: StreamStatus, now: number): ProxyTypeView {
  return {
    TypeURL: t.typeUrl,
    Type: isKnownTypeUrl(t.typeUrl) ? SHORT_TYPE_NAME[t.typeUrl] : t.typeUrl,
    Status: t.status,
    LastSentVersion: t.lastSentVersion ?? null,
    LastSentNonce: t.lastSentNonce ?? null,
    LastAckedVersion: t.lastAckedVersion ?? null,
    NackError: t.nackError ?? null,
    SentAgeMs: age(now, t.lastSentAt),
    AckAgeMs: age(now, t.lastAckAt),
    NackAgeMs: age(now, t.nackAt),
    Resources: s.sent.get(t.typeUrl)?.size ?? 0,
    Subscribed: t.subscribed,
    StreamID: s.streamId,
  };
}

function age(now: number, at: number | undefined): number | null {
  return at === undefined ? null : Math.max(0, now - at);
}

function typeRank(typeUrl: string): number {
  const i = (PUSH_ORDER as readonly string[]).indexOf(typeUrl);
  return i < 0 ? PUSH_ORDER.length : i;
}

function byConnection(a: StreamStatus, b: StreamStatus): number {
  return a.connectedAt - b.connectedAt || Number(a.streamId) - Number(b.streamId) || cmp(a.streamId, b.streamId);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
