// One instance of the demo's `backend` gRPC service: a real grpc-js server on 127.0.0.1 whose only method
// answers every call with the instance's version and ID (e.g. "v1 backend-v1-a"), so the frontend can
// count where each RPC went.
import * as grpc from '@grpc/grpc-js';
import { shutdownGrpcServer } from '../src/core/grpc-shutdown.js';

/** The backend's one unary method, over raw bytes (no .proto needed for a demo). */
export const BACKEND_SERVICE: grpc.ServiceDefinition = {
  hello: {
    path: '/rxds.demo.Backend/Hello',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
    originalName: 'Hello',
  },
};

export interface BackendInstance {
  readonly id: string;
  readonly version: string;
  readonly port: number;
  /** Calls this instance has answered. */
  served(): number;
  /** Graceful stop: in-flight calls finish, new connections are refused (forced after 2 s). */
  stop(): Promise<void>;
}

export async function startBackend(id: string, version: string): Promise<BackendInstance> {
  const server = new grpc.Server();
  let served = 0;
  let stopping: Promise<void> | undefined;
  server.addService(BACKEND_SERVICE, {
    hello: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
      served++;
      done(null, Buffer.from(`${version} ${id}`));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    id,
    version,
    port,
    served: () => served,
    stop: () => (stopping ??= shutdownGrpcServer(server)),
  };
}
