import { randomUUID } from 'node:crypto';
import { freeze } from 'immer';
import { BehaviorSubject, type Observable } from 'rxjs';
import type { IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { SourceStatusRegistry } from '../source-status.js';
import type { CatalogState } from './catalog-state.js';
import { planBatch } from './etcd-batch.js';
import {
  absent,
  changeOf,
  createEtcdClient,
  del,
  get,
  modRevisionIs,
  put,
  rangePrefix,
  rangePrefixWithin,
  type EtcdAuthOptions,
  type EtcdTlsOptions,
} from './etcd-client.js';
import { classifyEtcdError, describeEtcdError, probeEtcdTls } from './etcd-errors.js';
import { decodeMetaIndex, ETCD_SCHEMA_VERSION, etcdKeys } from './etcd-keys.js';
import { foldChanges, sameContent, viewFromRange, type EtcdView, type KeyChange } from './etcd-state.js';
import { createEtcdLeaderships, type EtcdLeadershipOptions } from './etcd-leadership.js';
import { createTtlHeartbeatChannel, type TtlHeartbeats } from './etcd-ttl-heartbeats.js';
import type { StateStore, Write } from './state-store.js';
import { StoreUnavailableError } from './store-errors.js';

export interface EtcdStoreOptions {
  /** etcd client URLs, e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
  /** The key prefix of this mesh's state; default `/rxds/`. Replicas of one mesh share it. */
  readonly prefix?: string;
  readonly logger?: Logger;
  /** Where the store reports itself (as `store`). */
  readonly sourceStatus?: SourceStatusRegistry;
  /** How long opening waits for etcd before failing (ms); default 5000. */
  readonly connectTimeoutMs?: number;
  /** Deadline of each etcd call (ms); default 2000. */
  readonly requestTimeoutMs?: number;
  /** etcd's `--max-txn-ops` (default 128): queued writes share one Txn only up to this many keys. */
  readonly maxTxnOps?: number;
  /** TLS material (PEM) for `https://` endpoints: CA, client certificate and key. */
  readonly tls?: EtcdTlsOptions;
  /** etcd user/password authentication (the password is never logged). */
  readonly auth?: EtcdAuthOptions;
  /** The lease TTL of {@link EtcdStateStore.leadership} in seconds; default 5. */
  readonly leaderTtlSeconds?: number;
}

/** The etcd store, and the TTL updates it shares between replicas (see etcd-ttl-heartbeats.ts). */
export interface EtcdStateStore extends StateStore {
  readonly ttlHeartbeats: TtlHeartbeats;
  /**
   * "This replica leads `name`" among the replicas on this prefix (the key `<prefix>leader/<name>`, see
   * etcd-leadership.ts): false first, true while it leads. Unsubscribing resigns; `close()` waits for that.
   */
  leadership(name: string, options?: Partial<Omit<EtcdLeadershipOptions, 'replicaId'>>): Observable<boolean>;
}

interface Pending {
  readonly write: Write;
  readonly resolve: (index: number) => void;
  readonly reject: (err: unknown) => void;
}

/** How many times a write is retried on conflicts with other replicas' writes before it is refused. */
const MAX_ATTEMPTS = 50;
/** How long a write waits for the watch to bring in the write it conflicted with before resyncing. */
const CATCH_UP_MS = 2000;

/**
 * The shared store: the catalog in etcd, one key per record (see etcd-keys.ts), so that several `rxds
 * serve` replicas serve one state.
 *
 * - The store index is the counter in `meta/index` (not etcd's revision, which other users of the same
 *   etcd also advance): records and per-slice indexes are stored exactly as {@link applyOps} computed
 *   them, so every replica sees the same index, CreateIndex/ModifyIndex and per-slice indexes.
 * - A write is computed on the local state and committed in one Txn guarded by the mod revision of
 *   `meta/index` that state reflects (every write puts that key, so any other write since fails the
 *   guard). On a conflict the write waits for the watch to bring in the other write and runs again (etcd's
 *   STM pattern), so a write function may run more than once (it must not have effects of its own).
 *   Writes that change nothing or are refused are validated the same way (a guard-only Txn), so a refusal
 *   is never based on a stale state. `write` resolves once the Txn committed; writes queued meanwhile
 *   share the next Txn (each with its own index) up to `maxTxnOps` keys.
 * - `state$` is folded from one prefix watch started after the revision of the initial range read.
 *   When the watch breaks (etcd down or restarted, history compacted), the store reads the prefix again
 *   and watches from there: no event is lost, and the index never goes backwards.
 * - etcd unreachable: writes are refused with {@link StoreUnavailableError} (HTTP 503), the `store`
 *   source is `degraded`, and everything recovers when etcd is back.
 */
export async function openEtcdStore(options: EtcdStoreOptions): Promise<EtcdStateStore> {
  const logger = options.logger ?? silentLogger;
  const status = options.sourceStatus;
  const keys = etcdKeys(options.prefix ?? '/rxds/');
  const maxTxnOps = options.maxTxnOps ?? 128;
  const client = createEtcdClient({ endpoints: options.endpoints, requestTimeoutMs: options.requestTimeoutMs, tls: options.tls, auth: options.auth });
  const where = options.endpoints.join(',');
  const onBadValue = (key: string, reason: string) => logger.warn({ key, reason }, 'ignoring an etcd key under the rxds prefix');

  let initial: { rows: KeyChange[]; revision: number };
  try {
    initial = await rangePrefixWithin(client, keys.prefix, options.connectTimeoutMs ?? 5000);
    const schema = initial.rows.find((r) => r.key === keys.metaSchema);
    if (schema && Number(schema.value) > ETCD_SCHEMA_VERSION) {
      throw new Error(`the state under ${keys.prefix} has layout version ${schema.value}; this rxds reads up to ${ETCD_SCHEMA_VERSION}`);
    }
    if (!schema) {
      await client.kv.txn({ compare: [absent(keys.metaSchema)], success: [put(keys.metaSchema, String(ETCD_SCHEMA_VERSION))] });
    }
  } catch (err) {
    client.close();
    if (err instanceof Error && /layout version/.test(err.message)) throw err;
    // gRPC may not say why the connection failed: one TLS handshake of our own tells a refused certificate.
    let reason = err;
    if (classifyEtcdError(err) === 'unreachable') {
      const probes = await Promise.all(options.endpoints.map((e) => probeEtcdTls(e, options.tls)));
      reason = probes.find((p) => p && classifyEtcdError(p) !== 'unreachable') ?? err;
    }
    throw new StoreUnavailableError(describeEtcdError(reason, where, options.auth?.username), { cause: err });
  }

  let view: EtcdView = viewFromRange(initial.rows, initial.revision, keys, onBadValue);
  const replicaId = randomUUID();
  const heartbeats = createTtlHeartbeatChannel(client, keys.ttl, replicaId, logger);
  const leaderships = createEtcdLeaderships(client, keys.prefix, { replicaId, ttlSeconds: options.leaderTtlSeconds, logger });
  // TTL updates of checks that are gone are dropped (each replica's start cleans up after the others).
  for (const row of initial.rows) {
    const parsed = keys.parse(row.key);
    if (parsed.kind === 'ttl' && !view.state.checks.has(parsed.checkId)) void client.kv.txn({ success: [del(row.key)] }).catch(() => {});
  }
  let closed = false;
  const subject = new BehaviorSubject<CatalogState>(view.state);
  let emitting = false;
  const emit = () => {
    if (emitting || closed) return;
    emitting = true;
    try {
      while (subject.value !== view.state) subject.next(view.state);
    } finally {
      emitting = false;
    }
  };
  /** Called after every change of `view`: releases writes waiting for it, publishes the state. */
  let waiters: (() => void)[] = [];
  const setView = (next: EtcdView) => {
    if (next === view) return;
    const changed = next.state !== view.state;
    view = next;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
    if (changed) {
      status?.report('store', { state: 'ok', changeIndex: view.state.index });
      emit();
    }
  };

  // One etcd operation at a time between Txns and resyncs, so a resync never replaces a state a write has
  // just moved past (waiting for the watch happens outside).
  let lane: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lane.then(fn);
    lane = run.catch(() => {});
    return run;
  };

  // The watch: folded into the view; any break ends it and starts a resync (read, then watch again).
  let watcher: Watcher | undefined;
  let resyncing: Promise<void> | undefined;
  const startWatch = (fromRevision: number) => {
    const w = client.watch().prefix(keys.prefix).startRevision(String(fromRevision + 1)).watcher();
    watcher = w;
    w.on('data', (res: IWatchResponse) => {
      if (watcher !== w || res.events.length === 0) return;
      const changes = res.events.map((ev) => changeOf(ev.kv as IKeyValue, ev.type === 'Delete'));
      setView(foldChanges(view, changes, keys, onBadValue));
      for (const c of changes) if (c.value !== undefined && keys.parse(c.key).kind === 'ttl') heartbeats.onValue(c.value);
    });
    const broken = (err: Error) => {
      if (watcher !== w || closed) return;
      logger.warn({ err: err.message }, 'etcd watch broken; reading the state again');
      status?.report('store', { state: 'degraded', error: `etcd watch: ${err.message}` });
      void resync();
    };
    w.on('disconnected', broken);
    w.on('error', broken);
  };
  const stopWatch = () => {
    const w = watcher;
    watcher = undefined;
    if (w) void w.cancel().catch(() => {});
  };
  /** Reads the whole prefix and watches from there, retrying (50–500 ms apart) until etcd answers. */
  const resync = (): Promise<void> => {
    resyncing ??= (async () => {
      stopWatch();
      for (let delay = 50; !closed; delay = Math.min(delay * 2, 500)) {
        try {
          await exclusive(async () => {
            const { rows, revision } = await rangePrefix(client, keys.prefix);
            if (closed) return;
            const fresh = viewFromRange(rows, revision, keys, onBadValue);
            // The index never goes backwards (even if the prefix was wiped); an unchanged state stays the same object.
            const index = Math.max(fresh.state.index, view.state.index);
            const same = sameContent(fresh.state, view.state) && index === view.state.index;
            const state = same ? view.state : freeze({ ...fresh.state, index });
            setView({ state, metaRevision: fresh.metaRevision, revision });
            startWatch(revision);
          });
          if (!closed) {
            status?.report('store', { state: 'ok', changeIndex: view.state.index });
            logger.info({ index: view.state.index }, 'etcd state read again; watching');
          }
          return;
        } catch (err) {
          status?.report('store', { state: 'degraded', error: `etcd unreachable at ${where}: ${(err as Error).message}` });
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    })().finally(() => (resyncing = undefined));
    return resyncing;
  };

  /** Resolves once the view reflects `meta/index` at `metaRevision` (or later); false after `ms`. */
  const caughtUp = (metaRevision: number, ms: number): Promise<boolean> => {
    const done = () => (metaRevision === 0 ? view.metaRevision === 0 : view.metaRevision >= metaRevision);
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiters = waiters.filter((f) => f !== check);
        resolve(false);
      }, ms);
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          resolve(true);
        } else waiters.push(check);
      };
      waiters.push(check);
    });
  };

  // Writes: queued, taken in batches (one Txn each) by one loop.
  let queue: Pending[] = [];
  let draining: Promise<void> | undefined;
  const drain = (): Promise<void> =>
    (draining ??= (async () => {
      while (queue.length > 0) await commitNext();
    })().finally(() => {
      draining = undefined;
      // A write queued by a callback of the last batch, after the loop saw an empty queue.
      if (queue.length > 0) void drain();
    }));

  const commitNext = async () => {
    for (let attempt = 1; ; attempt++) {
      const writer = randomUUID();
      let result: { done: true } | { done: false; metaRevision: number };
      let taken = queue.length;
      try {
        result = await exclusive(async () => {
          const base = view;
          const batch = planBatch(base.state, queue.map((p) => p.write), keys, maxTxnOps, writer);
          taken = batch.taken;
          const res = await client.kv.txn({
            compare: [modRevisionIs(keys.metaIndex, base.metaRevision)],
            success: [...batch.ops],
            failure: [get(keys.metaIndex)],
          });
          let committed = res.succeeded;
          const current = res.succeeded ? undefined : res.responses[0]?.response_range.kvs[0];
          // A reply lost after the commit and the call retried: the guard fails on our own write.
          if (current && batch.ops.length > 0 && decodeMetaIndex(current.value.toString())?.writer === writer) committed = true;
          if (!committed) return { done: false as const, metaRevision: current ? Number(current.mod_revision) : 0 };
          const revision = res.succeeded ? Number(res.header.revision) : Number(current!.mod_revision);
          if (batch.next !== base.state && view.revision < revision) {
            setView({ state: batch.next, metaRevision: revision, revision });
          }
          if (!resyncing) status?.report('store', { state: 'ok' }); // etcd answers again (even to a no-op)
          const settled = queue.slice(0, batch.taken);
          queue = queue.slice(batch.taken);
          settled.forEach((p, i) => {
            const o = batch.outcomes[i]!;
            if (o.ok) p.resolve(o.index);
            else p.reject(o.err);
          });
          return { done: true as const };
        });
      } catch (err) {
        // etcd unreachable, or refused the Txn (e.g. too many ops): the batch is refused, nothing applied.
        // The writes queued after it get their own attempt.
        const failed = queue.slice(0, taken);
        queue = queue.slice(taken);
        const message = /too many operations/.test((err as Error).message)
          ? `${(err as Error).message} (one write changes more keys than etcd's --max-txn-ops allows; start etcd with a larger --max-txn-ops)`
          : (err as Error).message;
        logger.error({ err: message, endpoints: where }, 'etcd write failed');
        status?.report('store', { state: 'degraded', error: `write failed: ${message}` });
        const refused = new StoreUnavailableError(`the store could not write to etcd at ${where}: ${message}`, { cause: err });
        for (const p of failed) p.reject(refused);
        return;
      }
      if (result.done) return;
      if (attempt >= MAX_ATTEMPTS) {
        const failed = queue;
        queue = [];
        const refused = new StoreUnavailableError(`the write conflicted with other replicas' writes ${MAX_ATTEMPTS} times in a row`);
        for (const p of failed) p.reject(refused);
        return;
      }
      // Another replica wrote first: wait until its write is in our state, then compute ours again. A
      // watch that does not bring it in time is read again (but a write never waits on an etcd that is
      // down: its next Txn fails instead).
      if (!(await caughtUp(result.metaRevision, CATCH_UP_MS))) {
        await Promise.race([resync(), new Promise((r) => setTimeout(r, CATCH_UP_MS))]);
      }
    }
  };

  startWatch(view.revision);
  status?.report('store', { state: 'ok', changeIndex: view.state.index });
  logger.info({ endpoints: where, prefix: keys.prefix, index: view.state.index, services: view.state.services.size }, 'store opened');

  const state$: Observable<CatalogState> = subject.asObservable();
  return {
    state$,
    ttlHeartbeats: heartbeats,
    leadership: (name, opts) => leaderships.leadership(name, opts),
    current: () => view.state,
    write(write) {
      if (closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
      return new Promise<number>((resolve, reject) => {
        queue.push({ write, resolve, reject });
        void drain();
      });
    },
    async close() {
      if (closed) return;
      await drain();
      await leaderships.settle();
      closed = true;
      stopWatch();
      // An etcd call in flight against a hung etcd may take its whole deadline: close does not wait that long.
      await Promise.race([lane, new Promise((r) => setTimeout(r, 500).unref())]);
      client.close();
      heartbeats.close();
      subject.complete();
    },
  };
}
