import type { ServerResponse } from 'node:http';
import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { badRequest, HttpError, notFound } from '../../core/http/http-error.js';
import { DEFAULT_BODY_LIMIT } from '../../core/http/read-json-body.js';
import type { Reply, RouteContext } from '../../core/http/router.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Slice } from '../catalog/slice.js';
import { RegistrationError } from '../catalog/registration.js';
import { StoreConflictError, StoreUnavailableError } from '../store/store-errors.js';
import type { Write } from '../store/state-store.js';
import { parseBlockingParams } from './blocking-query.js';
import { ParkedQuery, type Parking } from './parked-query.js';
import { createWaiterHub, type WaiterHub } from './waiter-hub.js';
import { requestCallers, type RequestCallers } from './acl-router.js';
import type { ConsulApiDeps } from './consul-api-deps.js';
import { defaultNode, type NodeInfo } from './render.js';

/** What the route modules share: the deps, plus blocking reads and error-mapped writes. */
export interface ApiContext {
  readonly deps: ConsulApiDeps;
  readonly node: NodeInfo;
  readonly logger: Logger;
  readonly bodyLimit: number;
  /** The caller of each request (its ACL token's rights). */
  readonly callers: RequestCallers;
  /** Answers a (possibly blocking) read from a slice Observable. */
  blocking<T>(ctx: RouteContext, slice$: Observable<Slice<T>>, reply: (slice: Slice<T>) => Reply): Promise<Reply | void>;
  /** A store write whose failures become HTTP errors (400/404/409/503). */
  write(write: Write): Promise<number>;
  /** A check-and-set write: false if its index did not match (nothing written); other failures as `write`. */
  writeCas(write: Write): Promise<boolean>;
  /**
   * Shutdown: answers every parked blocking query now with its current result (as Consul does when its
   * agent stops) and answers later ones without waiting, so that no long poll is cut off mid-wait.
   */
  releaseWaiters(): void;
}

export function createApiContext(deps: ConsulApiDeps): ApiContext {
  const scheduler: SchedulerLike = deps.scheduler ?? asyncScheduler;
  const random = deps.random ?? Math.random;
  const logger = deps.logger ?? silentLogger;
  let waiting = 0;
  let reported = 0;
  let reportQueued = false;
  /** The waiting count changes by one per query, but a release of many is reported once. */
  const countWaiting = (delta: number) => {
    waiting += delta;
    if (reportQueued || !deps.onWaitingChange) return;
    reportQueued = true;
    queueMicrotask(() => {
      reportQueued = false;
      if (waiting !== reported) {
        reported = waiting;
        deps.onWaitingChange?.(waiting);
      }
    });
  };
  /** The parked queries by response: one shared 'close' listener finds a query whose client left. */
  const parked = new Map<ServerResponse, ParkedQuery<unknown>>();
  const onClose = function (this: ServerResponse): void {
    parked.get(this)?.gone();
  };
  const parking: Parking = {
    park(res, query) {
      parked.set(res, query);
      res.on('close', onClose);
      countWaiting(1);
    },
    unpark(res) {
      if (parked.delete(res)) countWaiting(-1);
    },
  };
  let released = false;
  const hubs = new WeakMap<Observable<Slice<unknown>>, WaiterHub<unknown>>();
  const hubOf = <T>(slice$: Observable<Slice<T>>): WaiterHub<T> => {
    let hub = hubs.get(slice$) as WaiterHub<T> | undefined;
    if (!hub) {
      hub = createWaiterHub(slice$, scheduler);
      hubs.set(slice$, hub as WaiterHub<unknown>);
    }
    return hub;
  };
  return {
    deps,
    node: defaultNode(deps.node),
    logger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    callers: requestCallers(deps.acl),
    blocking<T>(ctx: RouteContext, slice$: Observable<Slice<T>>, reply: (slice: Slice<T>) => Reply): Promise<Reply | void> {
      checkCommonQuery(ctx.query, deps.node?.datacenter ?? 'dc1');
      const params = parseBlockingParams(ctx.query, random);
      const minIndex = released ? 0 : params.index;
      const deadline = scheduler.now() + params.waitMs;
      const { res } = ctx;
      const hub = hubOf(slice$);
      return new Promise((resolve, reject) => new ParkedQuery(minIndex, deadline, res, reply, resolve, reject, hub, parking).start());
    },
    releaseWaiters() {
      released = true;
      for (const query of [...parked.values()]) query.answerNow();
    },
    async write(write) {
      try {
        return await deps.store.write(write);
      } catch (err) {
        throw toHttpError(err);
      }
    },
    async writeCas(write) {
      try {
        await deps.store.write(write);
        return true;
      } catch (err) {
        if (err instanceof StoreConflictError && err.reason === 'cas-mismatch') return false;
        throw toHttpError(err);
      }
    },
  };

  function toHttpError(err: unknown): unknown {
    if (err instanceof HttpError) return err;
    if (err instanceof RegistrationError) return badRequest(err.message);
    if (err instanceof StoreConflictError) {
      if (err.reason === 'not-found') return notFound(err.message);
      return err.reason === 'invalid' ? badRequest(err.message) : new HttpError(409, err.message);
    }
    if (err instanceof StoreUnavailableError) {
      logger.error({ err }, 'store write failed');
      return new HttpError(503, err.message);
    }
    return err;
  }
}

/** Query parameters every read accepts; refuses what rxds cannot honour instead of ignoring it. */
function checkCommonQuery(query: URLSearchParams, datacenter: string): void {
  const dc = query.get('dc');
  if (dc && dc !== datacenter) throw badRequest(`No path to datacenter ${JSON.stringify(dc)} (this is ${datacenter})`);
  if (query.has('filter')) throw badRequest('the filter parameter is not supported by rxds');
}

/** JSON bytes of a slice, serialized once however many waiters it releases. */
export function cachedBody<T>(cache: WeakMap<object, Buffer>, slice: Slice<T>, render: (value: T) => unknown): Buffer {
  let body = cache.get(slice);
  if (!body) {
    body = Buffer.from(JSON.stringify(render(slice.value)));
    cache.set(slice, body);
  }
  return body;
}

let lastIndexHeaders: Readonly<Record<string, string>> | undefined;
let lastIndex = -1;

/** The read headers of an index; the same (frozen) object while the index stays, so a release shares it. */
export function indexHeaders(index: number): Readonly<Record<string, string>> {
  if (index !== lastIndex || !lastIndexHeaders) {
    lastIndexHeaders = Object.freeze({ 'X-Consul-Index': String(index), 'X-Consul-KnownLeader': 'true', 'X-Consul-LastContact': '0' });
    lastIndex = index;
  }
  return lastIndexHeaders;
}
