// The demo's `frontend`: a proxyless gRPC client of `xds:///backend` (@grpc/grpc-js-xds reads the bootstrap
// that `rxds bootstrap grpc` printed) that keeps a few RPCs in flight in a loop and reports every answer:
// which version and instance served it, or why it failed.
import * as grpc from '@grpc/grpc-js';
import { BACKEND_SERVICE } from './backend.js';

/** One RPC's outcome: the backend's version and instance ID, or the failure. */
export type Outcome = { readonly version: string; readonly instance: string } | { readonly error: string };

export interface Frontend {
  /** Calls `listener` with every outcome from now on; returns the unsubscribe function. */
  onOutcome(listener: (o: Outcome) => void): () => void;
  /** Stops the loop (waits for the calls in flight) and closes the channel. */
  stop(): Promise<void>;
}

/**
 * Starts the loop. The bootstrap is handed to grpc-js-xds through GRPC_XDS_BOOTSTRAP_CONFIG, which it reads
 * once per process: one frontend per process.
 */
export async function startFrontend(target: string, bootstrapJson: string, opts: { concurrency?: number; deadlineMs?: number; pauseMs?: number } = {}): Promise<Frontend> {
  process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] = bootstrapJson;
  (await import('@grpc/grpc-js-xds')).register();
  const Ctor = grpc.makeGenericClientConstructor(BACKEND_SERVICE, 'rxds.demo.Backend');
  const client = new Ctor(target, grpc.credentials.createInsecure());
  const listeners = new Set<(o: Outcome) => void>();
  const emit = (o: Outcome) => listeners.forEach((l) => l(o));
  const deadlineMs = opts.deadlineMs ?? 5000;
  let stopped = false;

  const callOnce = () =>
    new Promise<Outcome>((resolve) => {
      const hello = (client as unknown as Record<string, Function>)['hello']!;
      hello.call(client, Buffer.from('hi'), new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, resp?: Buffer) => {
        if (err) return resolve({ error: `${grpc.status[err.code] ?? err.code}: ${err.details}` });
        const [version = '?', instance = '?'] = resp!.toString().split(' ');
        resolve({ version, instance });
      });
    });

  const workers = Array.from({ length: opts.concurrency ?? 4 }, async () => {
    while (!stopped) {
      const o = await callOnce();
      if (stopped) break;
      emit(o);
      // After a failure, breathe a little instead of spinning on an unavailable service; `pauseMs` paces the loop.
      const pause = 'error' in o ? Math.max(50, opts.pauseMs ?? 0) : (opts.pauseMs ?? 0);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  });

  return {
    onOutcome(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      await Promise.all(workers);
      client.close();
    },
  };
}
