import type { IncomingMessage } from 'node:http';
import type { Observable, SchedulerLike } from 'rxjs';
import type { Logger } from '../../core/logger.js';
import type { StreamStatus } from '../xds/stream-status.js';

/** What the admin API reads of the xDS server: its live per-stream state (replays the latest on subscribe). */
export interface StreamsSource {
  readonly streams$: Observable<ReadonlyMap<string, StreamStatus>>;
}

/** Readiness as a source reports it: a flag, or a flag with the reason it is not ready yet. */
export type Readiness = boolean | { readonly ready: boolean; readonly reason?: string };

/** One source as `/v1/rxds/sources` shows it (structural: the admin sink does not import sources). */
export interface SourceStatusLike {
  readonly Name: string;
  readonly State: string;
  readonly LastError: string;
}

export interface AdminApiDeps {
  readonly xds: StreamsSource;
  /**
   * Whether every source has its initial state. Must replay its latest value on subscribe (a
   * BehaviorSubject, `of(true)`, shareReplay...): `/readyz` reads it synchronously per request.
   */
  readonly ready$: Observable<Readiness>;
  /** Shown in the `/readyz` body when given. */
  readonly sources?: { list(): readonly SourceStatusLike[] };
  /**
   * The service a proxy belongs to (e.g. a connect-proxy's destination service from the catalog).
   * Default and fallback: the node's `cluster`, else its id.
   */
  readonly serviceOf?: (nodeId: string, cluster: string) => string | undefined;
  /**
   * Access check for the `/v1/rxds/proxies` endpoints (ACL: operator read). Throw an HttpError (403)
   * to refuse. `/healthz` and `/readyz` are never checked (probes carry no token).
   */
  readonly authorize?: (req: IncomingMessage) => void | Promise<void>;
  /**
   * Access check for one proxy's endpoints (`/v1/rxds/proxies/:id`, `/config`, `/watch`), given its node
   * id: e.g. operator read, or service write on the proxy's service. Default: {@link authorize}.
   */
  readonly authorizeProxy?: (req: IncomingMessage, nodeId: string) => void | Promise<void>;
  readonly logger?: Logger;
  /** Wall clock for ages (default Date.now): the same clock the xDS server stamps its statuses with. */
  readonly now?: () => number;
  /** Heartbeat timer of the watch streams (default asyncScheduler). */
  readonly scheduler?: SchedulerLike;
  /** SSE heartbeat (a comment line) interval; default 15000 ms. */
  readonly heartbeatMs?: number;
  /** Most concurrent watch streams before new ones get 503 (default 1000). */
  readonly maxWatchers?: number;
}
