import { BehaviorSubject, firstValueFrom, map, type Observable } from 'rxjs';
import { createXdsServer } from '../../src/sinks/xds/xds-server.js';
import { ResourceEncoder, type Resource, type ResourceMessage } from '../../src/core/resource.js';
import { EMPTY_SNAPSHOT, encodeSnapshot, type Snapshot } from '../../src/core/snapshot.js';
import { silentLogger } from '../../src/core/logger.js';
import { DeltaClient, SotwClient, type XdsClientOptions } from './xds-client.js';
import { waitFor } from './wait.js';

type XdsServer = ReturnType<typeof createXdsServer>;
export type XdsServerOptions = Parameters<typeof createXdsServer>[0];

/** The per-type part of a stream's status, as tests read it (a structural view of the server's type). */
export interface TypeStatusView {
  lastSentVersion?: string;
  lastSentNonce?: string;
  lastAckedVersion?: string;
  nackError?: unknown;
  status: 'SYNCED' | 'NOT SENT' | 'STALE' | 'NACKED';
  /** The names the server holds as this stream's subscription ('*' for wildcard). */
  subscribed?: readonly string[] | '*';
}

export interface StreamStatusView {
  streamId: unknown;
  nodeId: string;
  kind: string;
  types: ReadonlyMap<string, TypeStatusView>;
}

/** The text of a recorded NACK error, whether the server keeps a string or a google.rpc.Status. */
export function nackText(e: unknown): string {
  if (e === undefined || e === null) return '';
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

/**
 * One xDS server on 127.0.0.1:0 fed by test-controlled snapshots, plus the clients a test opens on
 * it; `close` ends them all. Snapshots are per node id (`publish(nodeId, ...)`), so tests sharing a
 * server never see each other's pushes.
 */
export class XdsHarness {
  readonly encoder = new ResourceEncoder();
  private readonly subjects = new Map<string, BehaviorSubject<Snapshot>>();
  private readonly clients: Array<SotwClient | DeltaClient> = [];
  /** Node ids the server asked snapshots for, in order. */
  readonly snapshotRequests: string[] = [];

  private constructor(
    readonly xds: XdsServer,
    readonly port: number,
  ) {}

  static async start(options: Partial<XdsServerOptions> = {}): Promise<XdsHarness> {
    let self: XdsHarness | undefined;
    const xds = createXdsServer({
      logger: silentLogger,
      ...options,
      snapshots: (node: { id: string }) => {
        self!.snapshotRequests.push(node.id);
        return self!.subject(node.id);
      },
    } as XdsServerOptions);
    const port = await xds.listen('127.0.0.1:0');
    self = new XdsHarness(xds, port);
    return self;
  }

  private subject(nodeId: string): BehaviorSubject<Snapshot> {
    let s = this.subjects.get(nodeId);
    if (!s) this.subjects.set(nodeId, (s = new BehaviorSubject<Snapshot>(EMPTY_SNAPSHOT)));
    return s;
  }

  /** Makes `messages` the whole desired state of node `nodeId` (a new snapshot on its Observable). */
  publish(nodeId: string, messages: readonly ResourceMessage[]): Snapshot {
    const snapshot = encodeSnapshot(this.encoder, messages);
    this.subject(nodeId).next(snapshot);
    return snapshot;
  }

  /** The Resource a message encodes to (same bytes and version the server sends). */
  res(message: ResourceMessage): Resource {
    return this.encoder.encode(message);
  }

  sotw(nodeId: string, opts: Partial<XdsClientOptions> = {}): SotwClient {
    const c = new SotwClient(this.port, { nodeId, ...opts });
    this.clients.push(c);
    return c;
  }

  delta(nodeId: string, opts: Partial<XdsClientOptions> = {}): DeltaClient {
    const c = new DeltaClient(this.port, { nodeId, ...opts });
    this.clients.push(c);
    return c;
  }

  get streams$(): Observable<StreamStatusView[]> {
    return (this.xds.streams$ as unknown as Observable<ReadonlyMap<unknown, StreamStatusView>>).pipe(
      map((m) => [...m.values()]),
    );
  }

  /** Waits until node `nodeId` has a stream whose status for `typeUrl` satisfies `predicate`. */
  typeStatus(nodeId: string, typeUrl: string, predicate: (s: TypeStatusView) => boolean, what: string, ms = 5000): Promise<TypeStatusView> {
    const pick = (streams: StreamStatusView[]) =>
      streams.filter((s) => s.nodeId === nodeId).map((s) => s.types.get(typeUrl)).find((t) => t !== undefined && predicate(t));
    return waitFor(this.streams$, (streams) => pick(streams) !== undefined, `${nodeId}: ${what}`, ms).then((streams) => pick(streams)!);
  }

  /**
   * Waits until the server holds exactly `names` (sorted compare; '*' for wildcard) as the subscription
   * of node `nodeId` to `typeUrl`: the event to await after a request that gets no answer, before
   * publishing what that request should (not) receive.
   */
  subscribed(nodeId: string, typeUrl: string, names: readonly string[] | '*'): Promise<TypeStatusView> {
    const want = names === '*' ? '*' : [...names].sort().join('\u0000');
    const got = (s: TypeStatusView) => (s.subscribed === '*' ? '*' : [...(s.subscribed ?? [])].sort().join('\u0000'));
    return this.typeStatus(nodeId, typeUrl, (s) => got(s) === want, `subscription ${JSON.stringify(names)}`);
  }

  /** Waits until a stream of node `nodeId` has every one of `typeUrls` SYNCED (all ACKs processed). */
  synced(nodeId: string, typeUrls: readonly string[]): Promise<unknown> {
    const ok = (s: StreamStatusView) => s.nodeId === nodeId && typeUrls.every((t) => s.types.get(t)?.status === 'SYNCED');
    return waitFor(this.streams$, (streams) => streams.some(ok), `${nodeId}: ${typeUrls.length} types SYNCED`);
  }

  /** The current streams of node `nodeId`. */
  streamsOf(nodeId: string): Promise<StreamStatusView[]> {
    return firstValueFrom(this.streams$).then((all) => all.filter((s) => s.nodeId === nodeId));
  }

  /** Waits until node `nodeId` has no stream any more (or, with `count`, exactly that many). */
  streamCount(nodeId: string, count: number, ms = 5000): Promise<unknown> {
    return waitFor(this.streams$, (streams) => streams.filter((s) => s.nodeId === nodeId).length === count, `${count} streams of ${nodeId}`, ms);
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await this.xds.close();
    for (const s of this.subjects.values()) s.complete();
  }
}
