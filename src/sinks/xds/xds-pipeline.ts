import { Observable, asyncScheduler, concatMap, filter, map, of, type SchedulerLike, type Subscription } from 'rxjs';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Snapshot } from '../../core/snapshot.js';
import { createFramer, type Framer } from './any-cache.js';
import { deltaMachine } from './delta-state.js';
import { sotwMachine } from './sotw-state.js';
import { DEFAULT_HOLD_MS, DEFAULT_MAX_NAMES, type MachineConfig, type MachineOutput, type StreamMachine } from './stream-machine.js';
import type { Instant } from './stream-status.js';

/** One processed event of a stream: the state after it and what it produced. */
export interface MachineStep<S, Resp> {
  readonly state: S;
  readonly outputs: readonly MachineOutput<Resp>[];
}

export interface RunOptions {
  readonly scheduler?: SchedulerLike;
  /**
   * Whether the stream can take a response now (grpc-js: the last write was flushed). Responses are
   * computed only while writable, from the latest desired state: snapshots that arrive while the
   * writer is blocked collapse into one response, never a queue. Default: always writable.
   */
  readonly writable$?: Observable<boolean>;
  /** Wall clock for operator timestamps; default the scheduler's clock. */
  readonly now?: () => number;
}

/**
 * Drives a stream state machine from its requests and desired snapshots. Emits a step per event
 * and per response. Completes when `requests$` completes (the client ended the stream), which
 * unsubscribes the snapshot source; errors on a protocol violation (XdsError) or a snapshot error.
 */
export function runMachine<Req, Resp, S>(
  machine: StreamMachine<Req, Resp, S>,
  requests$: Observable<Req>,
  snapshots$: Observable<Snapshot>,
  options: RunOptions = {},
): Observable<MachineStep<S, Resp>> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const wall = options.now ?? (() => scheduler.now());
  return new Observable<MachineStep<S, Resp>>((subscriber) => {
    let state = machine.initial;
    let writable = true;
    let timer: Subscription | undefined;
    let timerAt: number | undefined;
    const events: Array<(at: Instant) => MachineStep<S, Resp>> = [];
    let pumping = false;
    const instant = (): Instant => ({ wall: wall(), tick: scheduler.now() });

    const emit = (step: MachineStep<S, Resp>) => {
      state = step.state;
      subscriber.next(step);
    };
    // Processes queued events, then pulls responses one at a time while the writer takes them.
    // Re-entrant calls (an emission that synchronously causes another event) just queue.
    const pump = () => {
      if (pumping) return;
      pumping = true;
      try {
        // The instant at which planning last found nothing to send: the wake-up is computed for that same
        // instant. Read anew, the clock may have moved past a hold-back's end in between, and a hold
        // that planning still saw would then have no wake-up: the stream would stall.
        let planned: Instant | undefined;
        while (!subscriber.closed) {
          const event = events.shift();
          if (event) {
            emit(event(instant()));
            continue;
          }
          if (!writable) break;
          const now = instant();
          const step = machine.next(state, now);
          if (!step) {
            planned = now;
            break;
          }
          emit(step);
        }
        if (!subscriber.closed) armTimer(planned);
      } catch (err) {
        subscriber.error(err);
      } finally {
        pumping = false;
      }
    };
    // Hold-backs expire with time alone: wake up then to send what they held.
    const armTimer = (planned: Instant | undefined) => {
      const at = writable && planned ? machine.wakeAt(state, planned) : undefined;
      if (at === timerAt) return;
      timer?.unsubscribe();
      timerAt = at;
      timer =
        at === undefined
          ? undefined
          : scheduler.schedule(() => {
              timerAt = undefined;
              pump();
            }, Math.max(0, at - scheduler.now()));
    };
    const push = (event: (at: Instant) => MachineStep<S, Resp>) => {
      events.push(event);
      pump();
    };

    const subs: Subscription[] = [];
    if (options.writable$) {
      subs.push(
        options.writable$.subscribe((w) => {
          writable = w;
          if (w) pump();
        }),
      );
    }
    subs.push(
      snapshots$.subscribe({
        next: (snapshot) => push((at) => ({ state: machine.snapshot(state, snapshot, at), outputs: [] })),
        error: (err: unknown) => subscriber.error(err),
        // A completed source keeps its last snapshot in force.
      }),
    );
    subs.push(
      requests$.subscribe({
        next: (req) => push((at) => machine.request(state, req, at)),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
    return () => {
      timer?.unsubscribe();
      for (const s of subs) s.unsubscribe();
    };
  });
}

export interface PipelineOptions extends RunOptions {
  /** The type of a per-type service (CDS, EDS, ...); undefined for ADS (ordering and hold-back apply). */
  readonly typeUrl?: string;
  readonly holdMs?: number;
  readonly maxNames?: number;
  readonly framer?: Framer;
}

/** The machine configuration for pipeline options, with defaults. */
export function machineConfig(options: PipelineOptions): MachineConfig {
  return {
    ...(options.typeUrl !== undefined ? { typeUrl: options.typeUrl } : {}),
    holdMs: options.holdMs ?? DEFAULT_HOLD_MS,
    maxNames: options.maxNames ?? DEFAULT_MAX_NAMES,
    framer: options.framer ?? createFramer(),
  };
}

function responsesOf<S, Resp>(steps: Observable<MachineStep<S, Resp>>): Observable<Resp> {
  return steps.pipe(
    concatMap((step) => of(...step.outputs)),
    filter((o): o is Extract<MachineOutput<Resp>, { kind: 'response' }> => o.kind === 'response'),
    map((o) => o.response),
  );
}

/** SotW: snapshots x subscriptions -> DiscoveryResponses (the diff pipeline of one stream). */
export function sotwResponses(
  requests$: Observable<DiscoveryRequest>,
  snapshots$: Observable<Snapshot>,
  options: PipelineOptions = {},
): Observable<DiscoveryResponse> {
  return responsesOf(runMachine(sotwMachine(machineConfig(options)), requests$, snapshots$, options));
}

/** Delta: snapshots x subscriptions -> DeltaDiscoveryResponses. */
export function deltaResponses(
  requests$: Observable<DeltaDiscoveryRequest>,
  snapshots$: Observable<Snapshot>,
  options: PipelineOptions = {},
): Observable<DeltaDiscoveryResponse> {
  return responsesOf(runMachine(deltaMachine(machineConfig(options)), requests$, snapshots$, options));
}
