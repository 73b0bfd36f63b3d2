import { status, type Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { BehaviorSubject, Subject, catchError, defer, map, tap, throwError, type Subscription } from 'rxjs';
import type { Node } from '../../gen/envoy/config/core/v3/base_pb.js';
import type { Logger } from '../../core/logger.js';
import type { Snapshot } from '../../core/snapshot.js';
import { ChangeTracker } from './change-tracker.js';
import type { MachineOutput, StreamMachine } from './stream-machine.js';
import type { StreamSubscriptions } from './xds-server.js';
import { runMachine, type MachineStep } from './xds-pipeline.js';
import type { XdsContext } from './xds-context.js';
import { XdsError } from './xds-error.js';

/** A snapshot source failure: the stream ends UNAVAILABLE so the client reconnects (maybe elsewhere). */
class SnapshotSourceError extends Error {}

/** A live stream, as the server sees it for close() and limits. */
export interface ActiveStream {
  /** Ends the stream: OK (clean, the client reconnects) or an error status. */
  end(code: status, reason: string): void;
}

/**
 * Serves one bidirectional xDS stream (SotW or Delta, ADS or per-type) with a stream machine:
 * takes `node` from the first request, authorizes, subscribes to the embedder's snapshots, feeds
 * requests and snapshots through the machine, and writes responses one at a time (the next one is
 * computed only when the previous was flushed: latest wins, nothing queues per stream).
 * Nothing here can throw into grpc-js: every callback is guarded, every failure ends only this stream.
 */
export function serveStream<Req extends { node?: Node }, Resp, S>(
  ctx: XdsContext,
  call: ServerDuplexStream<Req, Resp>,
  kind: 'sotw' | 'delta',
  typeUrl: string | undefined,
  machine: StreamMachine<Req, Resp, S>,
): void {
  const streamId = ctx.nextStreamId();
  const openedAt = ctx.now();
  // The stream's child logger is made on first use: most streams never log, and a pino child per
  // stream is memory every idle stream would carry.
  let logger: Logger | undefined;
  const log = (): Logger =>
    (logger ??= ctx.logger.child({ streamId, kind, ...(typeUrl ? { typeUrl } : {}), ...(nodeId ? { nodeId } : {}) }));
  // Debug lines (several per stream) go to the parent logger with the bindings inline: no child needed.
  const debug = (obj: object, msg: string) => ctx.logger.debug({ streamId, kind, nodeId, ...obj }, msg);
  let nodeId = '';
  let phase: 'first' | 'starting' | 'running' | 'ended' = 'first';
  let pipeline: Subscription | undefined;
  const requests = new Subject<Req>();
  const subscriptions = new BehaviorSubject<StreamSubscriptions>(NO_SUBSCRIPTIONS);
  let publishSubscriptions: (upcoming?: Req) => void = () => {};
  let latest: S | undefined; // the machine state after the last step
  const peer = safe(() => call.getPeer(), 'unknown');
  const changes = new ChangeTracker(); // when snapshots changed what the client holds, for convergence times

  const finish = (code: status, reason: string) => {
    if (phase === 'ended') return;
    const wasRunning = phase !== 'first';
    phase = 'ended';
    pipeline?.unsubscribe();
    requests.complete();
    subscriptions.complete();
    ctx.active.delete(handle);
    ctx.registry.remove(streamId);
    if (wasRunning) {
      ctx.emit({ type: 'stream-close', streamId, nodeId, at: ctx.now(), kind, code, reason, durationMs: ctx.now() - openedAt });
    }
    debug({ code, reason }, 'xDS stream closed');
  };
  const end = (code: status, reason: string) => {
    if (phase === 'ended') return;
    finish(code, reason);
    safe(() => (code === status.OK ? call.end() : call.emit('error', { code, details: reason })), undefined);
  };
  const handle: ActiveStream = { end };

  if (ctx.closing()) return void end(status.UNAVAILABLE, 'server is shutting down');
  if (ctx.active.size >= ctx.maxStreams) {
    log().warn({ maxStreams: ctx.maxStreams }, 'too many xDS streams: refusing');
    return void end(status.RESOURCE_EXHAUSTED, `too many xDS streams (limit ${ctx.maxStreams})`);
  }
  ctx.active.add(handle);

  let early: Req[] | undefined; // requests that slipped in while starting (grpc-js may deliver before pause)
  call.on('data', (req: Req) => {
    if (phase === 'running') {
      publishSubscriptions(req);
      requests.next(req);
      publishSubscriptions();
    } else if (phase === 'starting') (early ??= []).push(req);
    else if (phase === 'first') void start(req).catch((err: unknown) => fail(err));
  });
  // grpc-js reports a client cancel as a half-close followed, in the same I/O turn, by 'cancelled':
  // decide after this turn's events (setImmediate), so that a cancel is not mistaken for a clean end.
  call.on('end', () =>
    setImmediate(() => {
      if (call.cancelled) finish(status.CANCELLED, 'cancelled by the client');
      else if (phase === 'first') end(status.OK, 'ended by the client');
      else requests.complete();
    }),
  );
  call.on('cancelled', () => finish(status.CANCELLED, 'cancelled by the client'));
  call.on('error', (err: { code?: status; details?: string; message?: string }) =>
    finish(err.code ?? status.UNKNOWN, err.details ?? err.message ?? 'stream error'),
  );
  call.on('close', () => finish(status.OK, 'closed'));

  const fail = (err: unknown) => {
    if (err instanceof XdsError) {
      log().warn({ code: err.code, err: err.message }, 'xDS stream refused');
      end(err.code, err.message);
    } else if (err instanceof SnapshotSourceError) {
      log().error({ err: err.message }, 'snapshot source failed: ending the stream');
      end(status.UNAVAILABLE, err.message);
    } else {
      log().error({ err: String((err as Error)?.stack ?? err) }, 'xDS stream failed');
      end(status.INTERNAL, 'internal error');
    }
  };

  async function start(first: Req): Promise<void> {
    phase = 'starting';
    call.pause(); // later requests wait in grpc-js (flow control) until the pipeline runs
    const node = first.node;
    if (!node) throw new XdsError(status.INVALID_ARGUMENT, 'the first request of a stream must carry node');
    nodeId = node.id;
    logger = undefined; // from now on with nodeId
    const info = {
      streamId,
      kind,
      ...(typeUrl ? { typeUrl } : {}),
      metadata: call.metadata as Metadata,
      peer,
      subscriptions$: subscriptions.asObservable(),
    };
    try {
      await ctx.authorize?.(node, info);
    } catch (err) {
      throw err instanceof XdsError ? err : new XdsError(status.PERMISSION_DENIED, errorMessage(err));
    }
    if (phase !== 'starting') return; // the client went away meanwhile
    let previous: Snapshot | undefined;
    const snapshots$ = defer(() => ctx.snapshots(node, info)).pipe(
      map((snapshot) => (previous = ctx.interner.intern(previous, snapshot))),
      tap((snapshot) => changes.snapshot(snapshot, machine.subscriptions(latest ?? machine.initial), ctx.now())),
      // An XdsError from the embedder (e.g. a revoked ACL token) ends the stream with its own status.
      catchError((err: unknown) => throwError(() => (err instanceof XdsError ? err : new SnapshotSourceError(`snapshot source failed: ${errorMessage(err)}`)))),
    );
    latest = machine.initial;
    // Subscriptions change only on requests, and matter only if someone listens. They are published
    // before the machine handles a request too (from the pure machine's would-be state), so a snapshot
    // function that builds what a client names can update its snapshot before the answer goes out.
    publishSubscriptions = (upcoming) => {
      if (!subscriptions.observed) return;
      let state = latest ?? machine.initial;
      if (upcoming !== undefined) {
        try {
          state = machine.request(state, upcoming, { wall: ctx.now(), tick: ctx.scheduler.now() }).state;
        } catch {
          return; // a request the machine refuses ends the stream when it is handled
        }
      }
      const next = machine.subscriptions(state);
      if (!sameSubscriptions(subscriptions.value, next)) subscriptions.next(next);
    };
    const writable$ = new BehaviorSubject(true);
    ctx.registry.add(
      { streamId, nodeId, cluster: node.cluster, kind, ...(typeUrl ? { typeUrl } : {}), connectedAt: openedAt, peer },
      machine.initial,
      (s) => machine.view(s),
    );
    ctx.emit({ type: 'stream-open', streamId, nodeId, at: ctx.now(), kind, ...(typeUrl ? { typeUrl } : {}), peer });
    debug({ peer }, 'xDS stream opened');
    phase = 'running';
    pipeline = runMachine(machine, requests, snapshots$, { scheduler: ctx.scheduler, writable$, now: ctx.now }).subscribe({
      next: (step) => onStep(step, writable$),
      error: fail,
      complete: () => end(status.OK, 'ended by the client'),
    });
    requests.next(first);
    const slipped = early ?? [];
    early = undefined;
    for (const req of slipped) requests.next(req);
    publishSubscriptions();
    call.resume();
  }

  // An observer must not throw (RxJS would rethrow it asynchronously, out of every handler):
  // whatever goes wrong here ends this stream only.
  function onStep(step: MachineStep<S, Resp>, writable$: BehaviorSubject<boolean>): void {
    try {
      latest = step.state;
      ctx.registry.update(streamId, step.state);
      for (const out of step.outputs) {
        if (out.kind === 'response') {
          writable$.next(false);
          call.write(out.response, (err?: Error | null) => {
            if (!err && phase === 'running') writable$.next(true);
          });
        }
        report(out);
      }
    } catch (err) {
      fail(err);
    }
  }

  function report(out: MachineOutput<Resp>): void {
    // Pushes and ACKs are the hot path (one per stream per change): with no one listening to events
    // and debug off, nothing is built for them (the change tracker is still consumed, to stay exact).
    if ((out.kind === 'response' || out.kind === 'ack') && !ctx.listening() && !ctx.debugEnabled()) {
      if (out.kind === 'response') changes.pushed(out.typeUrl);
      return;
    }
    const at = ctx.now();
    const base = { streamId, nodeId, at };
    switch (out.kind) {
      case 'response':
        ctx.emit({
          ...base,
          type: 'push',
          typeUrl: out.typeUrl,
          version: out.version,
          nonce: out.nonce,
          resources: out.resources.length,
          removed: out.removed.length,
          bytes: out.resources.reduce((n, r) => n + r.body.length, 0),
          ...changedAt(changes.pushed(out.typeUrl)),
        });
        debug({ typeUrl: out.typeUrl, version: out.version, nonce: out.nonce, resources: out.resources.length, removed: out.removed.length }, 'xDS push');
        break;
      case 'ack':
        ctx.emit({ ...base, type: 'ack', typeUrl: out.typeUrl, version: out.version, nonce: out.nonce, ...latency(out.sentAt, at) });
        break;
      case 'nack':
        ctx.emit({ ...base, type: 'nack', typeUrl: out.typeUrl, version: out.version, nonce: out.nonce, error: out.error, ...latency(out.sentAt, at) });
        log().warn({ typeUrl: out.typeUrl, version: out.version, nonce: out.nonce, error: out.error }, 'xDS NACK');
        break;
      case 'ignored':
        log().warn({ typeUrl: out.typeUrl, reason: out.reason }, 'xDS request ignored');
        break;
    }
  }
}

/** The subscriptions before any request: one shared empty map, not one per (idle) stream. */
const NO_SUBSCRIPTIONS: StreamSubscriptions = new Map();

function sameSubscriptions(a: StreamSubscriptions, b: StreamSubscriptions): boolean {
  if (a.size !== b.size) return false;
  for (const [t, names] of a) {
    const other = b.get(t);
    if (other === undefined) return false;
    if (names === '*' || other === '*') {
      if (names !== other) return false;
    } else if (names.length !== other.length || names.some((n, i) => n !== other[i])) return false;
  }
  return true;
}

function changedAt(at: number | undefined): { changedAt?: number } {
  return at === undefined ? {} : { changedAt: at };
}

function latency(sentAt: number | undefined, at: number): { latencyMs?: number } {
  return sentAt === undefined ? {} : { latencyMs: at - sentAt };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
