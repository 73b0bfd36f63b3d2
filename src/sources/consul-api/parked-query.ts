import type { ServerResponse } from 'node:http';
import type { Reply } from '../../core/http/router.js';
import type { Slice } from '../catalog/slice.js';
import { sendReply } from './send-reply.js';
import type { Waiter, WaiterHub } from './waiter-hub.js';

/** Where parked queries are kept, by response, while they wait (see createApiContext). */
export interface Parking {
  park(res: ServerResponse, query: ParkedQuery<unknown>): void;
  /** Forgets `res`'s query; nothing if it was not parked. */
  unpark(res: ServerResponse): void;
}

/**
 * One blocking query: a waiter on a hub that answers its HTTP response with the slice it is released
 * with. A class, so that a parked query costs one object and no closures: with a thousand parked,
 * what each holds is what every young-generation GC has to copy, and those pauses land on releases.
 */
export class ParkedQuery<T> implements Waiter<T> {
  constructor(
    readonly minIndex: number,
    /** Scheduler time (ms) at which the wait ends. */
    readonly deadline: number,
    private readonly res: ServerResponse,
    private readonly reply: (slice: Slice<T>) => Reply,
    private readonly resolve: (reply: Reply | void) => void,
    private readonly reject: (err: unknown) => void,
    private readonly hub: WaiterHub<T>,
    private readonly parking: Parking,
  ) {}

  /** Answers at once if the hub's slice is already past `minIndex`, or parks until it is (or the wait ends). */
  start(): void {
    if (!this.hub.add(this)) return;
    if (this.res.destroyed) return this.gone(); // the client left before the query was parked
    this.parking.park(this.res, this as ParkedQuery<unknown>);
  }

  answer(slice: Slice<T>): void {
    this.parking.unpark(this.res);
    try {
      const reply = this.reply(slice);
      this.resolve(sendReply(this.res, reply) ? undefined : reply);
    } catch (err) {
      this.reject(err);
    }
  }

  fail(err: unknown): void {
    this.parking.unpark(this.res);
    this.reject(err);
  }

  /** Answers now with the current slice, as if the wait had ended (shutdown). */
  answerNow(): void {
    this.hub.answerNow(this);
  }

  /** The client went away: out of the hub, never answered. */
  gone(): void {
    this.hub.remove(this);
    this.parking.unpark(this.res);
    this.resolve(undefined);
  }
}
