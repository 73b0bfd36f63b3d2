import type { Observable, Subscription } from 'rxjs';
import { silentLogger } from '../../core/logger.js';
import type { SourceStatusRegistry } from '../source-status.js';
import type { StateStore } from '../store/state-store.js';
import type { Catalog } from './catalog.js';
import { startHealthChecks, type HealthChecks, type HealthChecksOptions } from './health-checks.js';
import { runWhileLeader } from './leader-gated.js';

export interface LeaderHealthChecksOptions extends HealthChecksOptions {
  /** "This replica leads the health checks" (e.g. `EtcdStateStore.leadership('health')`). */
  readonly leader$: Observable<boolean>;
  /** Where the role is shown, as the source `health`. */
  readonly sourceStatus?: SourceStatusRegistry;
}

/** The `health` source's detail text for each role (`GET /v1/rxds/sources`). */
export const HEALTH_ROLE_TEXT = {
  leader: 'leader: running health checks',
  standby: 'standby: another replica runs them',
} as const;

/**
 * {@link startHealthChecks}, only while this replica leads: replicas sharing one store probe each check
 * once, from the leader, instead of once per replica (with statuses flapping between replicas that see a
 * target differently). A new leader starts its runner from the statuses in the store.
 *
 * The hooks work on every replica: a TTL update reaches the running runner if this replica leads, and is
 * dropped here otherwise (with etcd, shareTtlUpdates publishes it, and the leader's runner restarts the TTL).
 */
export function startLeaderHealthChecks(store: StateStore, catalog: Catalog, options: LeaderHealthChecksOptions): HealthChecks {
  const { leader$, sourceStatus, ...healthOptions } = options;
  const logger = options.logger ?? silentLogger;
  let current: HealthChecks | undefined;
  const subscription: Subscription = runWhileLeader(leader$, () => startHealthChecks(store, catalog, healthOptions)).subscribe((running) => {
    const was = current;
    current = running;
    if (running) logger.info({}, 'this replica leads: running health checks');
    else if (was) logger.info({}, 'no longer the leader: stopped running health checks');
    else logger.info({}, 'standby: another replica runs the health checks');
    sourceStatus?.report('health', { state: 'ok', detail: running ? HEALTH_ROLE_TEXT.leader : HEALTH_ROLE_TEXT.standby });
  });
  return {
    hooks: { ttlUpdated: (checkId, status, output) => current?.hooks.ttlUpdated?.(checkId, status, output) },
    stop: () => {
      const was = current;
      current = undefined;
      subscription.unsubscribe(); // stops the runner, and resigns the leadership
      if (was) logger.info({}, 'stopping: stopped running health checks (another replica takes over)');
    },
  };
}
