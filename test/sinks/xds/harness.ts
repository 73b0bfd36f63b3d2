// A minimal raw xDS client over real gRPC for the sink's own tests (B's richer client lives in test/support).
import * as grpc from '@grpc/grpc-js';
import { create, type DescService } from '@bufbuild/protobuf';
import { grpcServiceDefinition } from '../../../src/core/grpc-service.js';
import { AggregatedDiscoveryService } from '../../../src/gen/envoy/service/discovery/v3/ads_pb.js';
import { NodeSchema } from '../../../src/gen/envoy/config/core/v3/base_pb.js';

export const node = (id = 'node-1') => create(NodeSchema, { id, cluster: 'test' });

export interface Stream<Req, Resp> {
  send(req: Req): void;
  next(timeoutMs?: number): Promise<Resp>;
  /** Resolves with the status the stream ended with. */
  readonly ended: Promise<grpc.StatusObject>;
  close(): void;
}

export function openStream<Req, Resp>(
  port: number,
  method: string,
  service: DescService = AggregatedDiscoveryService,
): { client: grpc.Client; stream: Stream<Req, Resp> } {
  const Ctor = grpc.makeGenericClientConstructor(grpcServiceDefinition(service), service.name);
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<Req, Resp>>)[method]!.call(client);
  const queue: Resp[] = [];
  const waiters: Array<(r: Resp) => void> = [];
  call.on('data', (r: Resp) => {
    const w = waiters.shift();
    if (w) w(r);
    else queue.push(r);
  });
  const ended = new Promise<grpc.StatusObject>((resolve) => {
    call.on('status', resolve);
    call.on('error', () => {});
  });
  return {
    client,
    stream: {
      send: (req) => call.write(req),
      next: (timeoutMs = 2000) =>
        queue.length > 0
          ? Promise.resolve(queue.shift()!)
          : new Promise<Resp>((resolve, reject) => {
              const t = setTimeout(() => reject(new Error('no response in time')), timeoutMs);
              waiters.push((r) => {
                clearTimeout(t);
                resolve(r);
              });
            }),
      ended,
      close: () => {
        call.cancel();
        client.close();
      },
    },
  };
}
