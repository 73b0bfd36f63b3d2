import { asyncScheduler, distinctUntilChanged, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { EtcdLeaseInvalidError, type Etcd3, type Lease, type Watcher } from 'etcd3';
import { silentLogger, type Logger } from '../../core/logger.js';
import { absent, get } from './etcd-client.js';

export interface EtcdLeadershipOptions {
  /** The lease TTL in whole seconds (etcd's minimum is 1); default 5. A replica that dies is replaced within about this. */
  readonly ttlSeconds?: number;
  /** Who this replica is (stored as the leader key's value, for operators reading etcd). */
  readonly replicaId: string;
  readonly logger?: Logger;
  /** Drives the renewal and step-down timers; default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
}

/** Leaderships of one etcd client; `settle()` waits for the resignations of leaderships unsubscribed. */
export interface EtcdLeaderships {
  /** "This replica leads `name`": see {@link etcdLeadership}. */
  leadership(name: string, options?: Partial<EtcdLeadershipOptions>): Observable<boolean>;
  /** Resolves once every resignation started by an unsubscription has reached etcd (or given up). */
  settle(): Promise<void>;
}

/**
 * "This replica leads": true while this subscription holds `key` in etcd, false otherwise (first value
 * false, then only changes).
 *
 * Each subscription keeps a lease of `ttlSeconds` alive (a keepalive every third of the TTL) and tries to
 * create `key` bound to it (a Txn on `create_revision == 0`): the replica whose Txn creates it leads; the
 * others watch the key and try again when it goes (and every third of the TTL anyway, in case a watch
 * event was missed across an etcd restart).
 *
 * - A replica that dies without a word (SIGKILL) stops renewing its lease: etcd expires it after the TTL and
 *   deletes the key with it, and another replica takes over.
 * - A leader that cannot renew its lease (etcd down, partitioned) emits false before etcd could expire the
 *   lease: it counts the TTL from when it *sent* its last successful keepalive, less a margin, so it has
 *   stopped before another replica can have started.
 * - Unsubscribing resigns at once: the lease is revoked, which deletes the key (`onResign` gets the promise).
 */
export function etcdLeadership(client: Etcd3, key: string, options: EtcdLeadershipOptions, onResign?: (done: Promise<void>) => void): Observable<boolean> {
  const ttl = Math.max(1, Math.round(options.ttlSeconds ?? 5));
  const scheduler = options.scheduler ?? asyncScheduler;
  const logger = options.logger ?? silentLogger;
  const ttlMs = ttl * 1000;
  const tickMs = Math.round(ttlMs / 3);
  /** Stop leading this long before etcd could expire the lease (timer and probe delays). */
  const marginMs = Math.min(1000, Math.round(ttlMs / 5));
  /** One etcd call of a round may take this long before the round gives up (the next one tries again). */
  const callMs = tickMs;

  return new Observable<boolean>((subscriber) => {
    let stopped = false;
    let lease: Lease | undefined;
    let leaseId: string | undefined;
    /** The Txn said the key is bound to our lease. */
    let holds = false;
    /** Until when our lease is surely alive in etcd (scheduler time). */
    let validUntil = 0;
    let leading = false;
    let running = false;
    let again = false;
    let next: Subscription | undefined;
    let stepDown: Subscription | undefined;
    let watcher: Watcher | undefined;

    const update = () => {
      if (stopped) return;
      const lead = holds && scheduler.now() < validUntil - marginMs;
      stepDown?.unsubscribe();
      stepDown = lead ? scheduler.schedule(update, validUntil - marginMs - scheduler.now()) : undefined;
      if (lead !== leading) {
        leading = lead;
        logger.debug({ key, leading }, lead ? 'leadership taken' : 'leadership lost');
        subscriber.next(lead);
      }
    };

    const dropLease = () => {
      lease?.release();
      lease = undefined;
      leaseId = undefined;
      holds = false;
      validUntil = 0;
    };

    /** One round: renew (or get) the lease, then take the key or see who holds it. */
    const round = async () => {
      if (!lease) {
        const fresh = client.lease(ttl, { autoKeepAlive: false });
        fresh.on('lost', () => {}); // a failed grant is seen below
        lease = fresh;
      }
      const current = lease;
      try {
        const sent = scheduler.now();
        leaseId = await within(current.grant(), callMs);
        await within(current.keepaliveOnce(), callMs);
        if (current !== lease) return;
        validUntil = sent + ttlMs;
        const res = await within(
          client.kv.txn({
            compare: [absent(key)],
            success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(options.replicaId), lease: leaseId } }],
            failure: [get(key)],
          }),
          callMs,
        );
        if (current !== lease) return;
        const holder = res.succeeded ? undefined : res.responses[0]?.response_range.kvs[0];
        holds = res.succeeded || (holder !== undefined && String(holder.lease) === String(leaseId));
      } catch (err) {
        // The lease is gone (expired while etcd was out of reach) or was never granted: the next round gets
        // a new one. Otherwise etcd is out of reach: the lease is kept, and `validUntil` runs out.
        if (err instanceof EtcdLeaseInvalidError || leaseId === undefined || current.revoked()) {
          if (current === lease) dropLease();
        }
        logger.debug({ key, err: (err as Error).message }, 'leadership round failed');
      }
    };

    const tick = () => {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      next?.unsubscribe();
      void round()
        .catch((err: unknown) => logger.warn({ key, err: (err as Error).message }, 'leadership round failed'))
        .finally(() => {
          running = false;
          if (stopped) return;
          update();
          if (again) {
            again = false;
            tick();
          } else next = scheduler.schedule(tick, tickMs);
        });
    };

    subscriber.next(false);
    // The key's changes (the leader resigned or its lease expired, someone took it) start a round at once.
    void client
      .watch()
      .key(key)
      .create()
      .then((w) => {
        if (stopped) return void w.cancel().catch(() => {});
        watcher = w;
        w.on('data', () => tick());
        w.on('error', () => {}); // etcd3 reconnects the watch itself
      })
      .catch(() => {}); // etcd out of reach: the periodic rounds still run
    tick();

    return () => {
      stopped = true;
      next?.unsubscribe();
      stepDown?.unsubscribe();
      void watcher?.cancel().catch(() => {});
      const l = lease;
      lease = undefined;
      if (l) {
        const done = within(l.revoke(), callMs).catch((err: unknown) => logger.warn({ key, err: (err as Error).message }, 'leadership not resigned in etcd (its lease will expire)'));
        onResign?.(done);
      }
    };
  }).pipe(distinctUntilChanged());
}

/** Leaderships under `<prefix>leader/<name>` on one client, each subscription a campaign of its own. */
export function createEtcdLeaderships(client: Etcd3, prefix: string, defaults: EtcdLeadershipOptions): EtcdLeaderships {
  const pending = new Set<Promise<void>>();
  return {
    leadership: (name, options) =>
      etcdLeadership(client, `${prefix}leader/${name}`, { ...defaults, ...options }, (done) => {
        pending.add(done);
        void done.finally(() => pending.delete(done));
      }),
    settle: async () => {
      await Promise.all([...pending]);
    },
  };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`etcd did not answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
