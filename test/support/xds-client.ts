import * as grpc from '@grpc/grpc-js';
import { create, type DescService, type MessageInitShape } from '@bufbuild/protobuf';
import { grpcServiceDefinition } from '../../src/core/grpc-service.js';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import { AggregatedDiscoveryService } from '../../src/gen/envoy/service/discovery/v3/ads_pb.js';
import { ClusterDiscoveryService } from '../../src/gen/envoy/service/cluster/v3/cds_pb.js';
import { EndpointDiscoveryService } from '../../src/gen/envoy/service/endpoint/v3/eds_pb.js';
import { ListenerDiscoveryService } from '../../src/gen/envoy/service/listener/v3/lds_pb.js';
import { RouteDiscoveryService } from '../../src/gen/envoy/service/route/v3/rds_pb.js';
import { SecretDiscoveryService } from '../../src/gen/envoy/service/secret/v3/sds_pb.js';
import {
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { StreamQueue } from './stream-queue.js';
import { deltaProblem, describe, sotwProblem } from './xds-responses.js';

/** Which service a test stream talks to: ADS, or one of the per-type services. */
export type XdsService = 'ads' | 'cds' | 'eds' | 'lds' | 'rds' | 'sds';

const SERVICES: Record<XdsService, { desc: DescService; sotw: string; delta: string }> = {
  ads: { desc: AggregatedDiscoveryService, sotw: 'streamAggregatedResources', delta: 'deltaAggregatedResources' },
  cds: { desc: ClusterDiscoveryService, sotw: 'streamClusters', delta: 'deltaClusters' },
  eds: { desc: EndpointDiscoveryService, sotw: 'streamEndpoints', delta: 'deltaEndpoints' },
  lds: { desc: ListenerDiscoveryService, sotw: 'streamListeners', delta: 'deltaListeners' },
  rds: { desc: RouteDiscoveryService, sotw: 'streamRoutes', delta: 'deltaRoutes' },
  sds: { desc: SecretDiscoveryService, sotw: 'streamSecrets', delta: 'deltaSecrets' },
};

const constructors = new Map<XdsService, grpc.ServiceClientConstructor>();
function clientConstructor(service: XdsService): grpc.ServiceClientConstructor {
  let ctor = constructors.get(service);
  if (!ctor) {
    const { desc } = SERVICES[service];
    ctor = grpc.makeGenericClientConstructor(grpcServiceDefinition(desc), desc.typeName);
    constructors.set(service, ctor);
  }
  return ctor;
}

export type NodeInit = MessageInitShape<typeof NodeSchema>;

export interface XdsClientOptions {
  /** node.id sent on the first request (as Envoy and gRPC do: the node only on the first request). */
  nodeId: string;
  /** The whole node to send instead of `{ id: nodeId }`; `null` sends no node at all. */
  node?: NodeInit | null;
  service?: XdsService;
  /** gRPC metadata on the stream (e.g. x-consul-token). */
  metadata?: Record<string, string>;
  /** gRPC channel options (e.g. message size limits). */
  channelOptions?: grpc.ChannelOptions;
  /**
   * More responses than this on one stream fail the test (default 300): a server that keeps
   * answering its own answers makes a test fail instead of spinning until the runner's timeout.
   */
  maxResponses?: number;
}

type Duplex<Req, Res> = grpc.ClientDuplexStream<Req, Res>;

/** What both clients share: one connection, one stream, a queue of checked responses. */
abstract class TestStream<Req, Res extends DiscoveryResponse | DeltaDiscoveryResponse> {
  readonly nodeId: string;
  /** Every response received, in order (also those consumed by `next`). */
  readonly received: Res[] = [];
  protected readonly queue = new StreamQueue<Res>();
  protected readonly seenNonces = new Set<string>();
  protected readonly client: grpc.Client;
  protected readonly call: Duplex<Req, Res>;
  private firstRequest = true;
  private readonly node: NodeInit | null;
  private readonly maxResponses: number;

  protected constructor(port: number, opts: XdsClientOptions, method: 'sotw' | 'delta') {
    this.nodeId = opts.nodeId;
    this.maxResponses = opts.maxResponses ?? 300;
    this.node = opts.node === undefined ? { id: opts.nodeId } : opts.node;
    const service = opts.service ?? 'ads';
    const Ctor = clientConstructor(service);
    this.client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), opts.channelOptions ?? {});
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
    const start = (this.client as unknown as Record<string, (md: grpc.Metadata) => Duplex<Req, Res>>)[
      SERVICES[service][method]
    ];
    this.call = start!.call(this.client, md);
    this.call.on('data', (resp: Res) => this.onResponse(resp));
    this.call.on('error', () => {}); // the final status arrives on 'status'
    this.call.on('status', (status: grpc.StatusObject) => this.queue.end(status));
  }

  private onResponse(resp: Res): void {
    this.received.push(resp);
    if (this.received.length > this.maxResponses) {
      this.queue.fail(new Error(`${this.nodeId}: more than ${this.maxResponses} responses on one stream, last ${describe(resp)}`));
      return;
    }
    const problem = this.problem(resp);
    this.seenNonces.add(resp.nonce);
    if (problem) this.queue.fail(new Error(`protocol violation: ${problem} (${describe(resp)})`));
    else this.queue.push(resp);
  }

  protected abstract problem(resp: Res): string | undefined;

  /** Adds the node to the first request of the stream only. */
  protected withNode<T extends { node?: unknown }>(init: T): T {
    if (this.firstRequest && this.node && init.node === undefined) init = { ...init, node: this.node };
    this.firstRequest = false;
    return init;
  }

  /** The next response, or a rejection after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<Res> {
    return this.queue.next(timeoutMs, `response on ${this.nodeId}'s stream`);
  }

  /** Next response of a given type; fails if one of another type comes first. */
  async nextOf(typeUrl: string, timeoutMs = 5000): Promise<Res> {
    const resp = await this.next(timeoutMs);
    if (resp.typeUrl !== typeUrl) throw new Error(`expected a ${typeUrl} response, got ${describe(resp)}`);
    return resp;
  }

  /** Asserts that the server sends nothing for `ms` (default 200 ms): for what must go unanswered. */
  expectNoResponse(ms = 200): Promise<void> {
    return this.queue.expectNothing(ms, (r) => describe(r));
  }

  /** A response if one comes within `ms` (default 200 ms), else undefined: for answers that are optional. */
  maybeNext(ms = 200): Promise<Res | undefined> {
    return this.queue.maybeNext(ms);
  }

  /** The final status once the server ends the stream. */
  ended(): Promise<grpc.StatusObject> {
    return this.queue.ended();
  }

  get endStatus(): grpc.StatusObject | undefined {
    return this.queue.endStatus;
  }

  /** Pauses reading: responses pile up in the transport as in a proxy that stopped reading. */
  pause(): void {
    this.call.pause();
  }

  resume(): void {
    this.call.resume();
  }

  /** Half-closes and cancels the stream, then closes the connection. */
  close(): void {
    this.call.end();
    this.call.cancel();
    this.client.close();
  }
}

export type SotwRequestInit = MessageInitShape<typeof DiscoveryRequestSchema>;

/** A SotW test client (StreamAggregatedResources or a per-type StreamX). */
export class SotwClient extends TestStream<DiscoveryRequest, DiscoveryResponse> {
  private readonly names = new Map<string, string[]>();
  private readonly ackedVersion = new Map<string, string>();
  private readonly handledNonce = new Map<string, string>();

  constructor(port: number, opts: XdsClientOptions) {
    super(port, opts, 'sotw');
  }

  protected problem(resp: DiscoveryResponse): string | undefined {
    return sotwProblem(resp, this.seenNonces);
  }

  /** Sends a request as given (plus the node on the first request); remembers its resource names. */
  send(init: SotwRequestInit): void {
    if (init.typeUrl) this.names.set(init.typeUrl, [...(init.resourceNames ?? [])]);
    this.call.write(create(DiscoveryRequestSchema, this.withNode(init)));
  }

  /** Subscribes to exactly `names` of a type (the full set), as of the last response this client handled. */
  subscribe(typeUrl: string, names: string[] = []): void {
    this.send({
      typeUrl,
      resourceNames: names,
      versionInfo: this.ackedVersion.get(typeUrl) ?? '',
      responseNonce: this.handledNonce.get(typeUrl) ?? '',
    });
  }

  /** ACKs a response: its nonce and version, the current names (or `names`) and no error_detail. */
  ack(resp: DiscoveryResponse, names?: string[]): void {
    this.ackedVersion.set(resp.typeUrl, resp.versionInfo);
    this.handledNonce.set(resp.typeUrl, resp.nonce);
    this.send({
      typeUrl: resp.typeUrl,
      versionInfo: resp.versionInfo,
      responseNonce: resp.nonce,
      resourceNames: names ?? this.names.get(resp.typeUrl) ?? [],
    });
  }

  /**
   * NACKs a response: its nonce, the last accepted version (or `version`), and error_detail with `message`.
   */
  nack(resp: DiscoveryResponse, message: string, opts: { version?: string; names?: string[] } = {}): void {
    this.handledNonce.set(resp.typeUrl, resp.nonce);
    this.send({
      typeUrl: resp.typeUrl,
      versionInfo: opts.version ?? this.ackedVersion.get(resp.typeUrl) ?? '',
      responseNonce: resp.nonce,
      resourceNames: opts.names ?? this.names.get(resp.typeUrl) ?? [],
      errorDetail: { code: 3, message },
    });
  }

  /** The next response, ACKed at once (as a proxy that accepts everything would). */
  async nextAcked(typeUrl?: string, timeoutMs = 5000): Promise<DiscoveryResponse> {
    const resp = typeUrl ? await this.nextOf(typeUrl, timeoutMs) : await this.next(timeoutMs);
    this.ack(resp);
    return resp;
  }
}

export type DeltaRequestInit = MessageInitShape<typeof DeltaDiscoveryRequestSchema>;

/** A Delta (incremental) test client (DeltaAggregatedResources or a per-type DeltaX). */
export class DeltaClient extends TestStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  constructor(port: number, opts: XdsClientOptions) {
    super(port, opts, 'delta');
  }

  protected problem(resp: DeltaDiscoveryResponse): string | undefined {
    return deltaProblem(resp, this.seenNonces);
  }

  send(init: DeltaRequestInit): void {
    this.call.write(create(DeltaDiscoveryRequestSchema, this.withNode(init)));
  }

  /** An unsolicited subscription change (no nonce), as Envoy sends them. */
  subscribe(
    typeUrl: string,
    names: string[],
    opts: { unsubscribe?: string[]; initialResourceVersions?: Record<string, string> } = {},
  ): void {
    this.send({
      typeUrl,
      resourceNamesSubscribe: names,
      resourceNamesUnsubscribe: opts.unsubscribe ?? [],
      initialResourceVersions: opts.initialResourceVersions ?? {},
    });
  }

  unsubscribe(typeUrl: string, names: string[]): void {
    this.send({ typeUrl, resourceNamesUnsubscribe: names });
  }

  ack(resp: DeltaDiscoveryResponse): void {
    this.send({ typeUrl: resp.typeUrl, responseNonce: resp.nonce });
  }

  nack(resp: DeltaDiscoveryResponse, message: string): void {
    this.send({ typeUrl: resp.typeUrl, responseNonce: resp.nonce, errorDetail: { code: 3, message } });
  }

  async nextAcked(typeUrl?: string, timeoutMs = 5000): Promise<DeltaDiscoveryResponse> {
    const resp = typeUrl ? await this.nextOf(typeUrl, timeoutMs) : await this.next(timeoutMs);
    this.ack(resp);
    return resp;
  }
}
