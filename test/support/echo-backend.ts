import * as grpc from '@grpc/grpc-js';

/**
 * A tiny echo service for interop tests: one unary method over raw bytes. The backend answers every
 * call with its own name, so a client can count which backend served each RPC.
 */
export const ECHO_SERVICE: grpc.ServiceDefinition = {
  call: {
    path: '/rxds.test.Echo/Call',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
    originalName: 'Call',
  },
};

export interface EchoBackend {
  readonly name: string;
  readonly port: number;
  /** Number of calls this backend answered. */
  readonly served: () => number;
  close(): Promise<void>;
}

/** Starts an echo backend on 127.0.0.1 (free port) that answers with `name`. */
export async function startEchoBackend(name: string): Promise<EchoBackend> {
  const server = new grpc.Server();
  let served = 0;
  server.addService(ECHO_SERVICE, {
    call: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      served++;
      callback(null, Buffer.from(name));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    name,
    port,
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}

/** A client of the echo service for `target` (e.g. `xds:///echo`). */
export class EchoClient {
  private readonly client: grpc.Client;

  constructor(target: string, options: grpc.ChannelOptions = {}) {
    const Ctor = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'rxds.test.Echo');
    this.client = new Ctor(target, grpc.credentials.createInsecure(), options);
  }

  /** One RPC; resolves with the name of the backend that answered. */
  call(deadlineMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, Function>)['call']!;
      fn.call(
        this.client,
        Buffer.from('ping'),
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (err: grpc.ServiceError | null, resp?: Buffer) => (err ? reject(err) : resolve(resp!.toString())),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
