import type { Observable, SchedulerLike } from 'rxjs';
import type { Node } from '../../gen/envoy/config/core/v3/base_pb.js';
import type { Logger } from '../../core/logger.js';
import type { Snapshot } from '../../core/snapshot.js';
import type { Framer } from './any-cache.js';
import type { MachineConfig } from './stream-machine.js';
import type { ActiveStream } from './stream-driver.js';
import type { SnapshotInterner } from './snapshot-interner.js';
import type { StreamRegistry } from './stream-registry.js';
import type { XdsEvent } from './xds-events.js';
import type { StreamInfo } from './xds-server.js';

/** What every stream handler of one server shares: options resolved with defaults, and live state. */
export interface XdsContext {
  readonly logger: Logger;
  readonly scheduler: SchedulerLike;
  readonly now: () => number;
  readonly snapshots: (node: Node, info: StreamInfo) => Observable<Snapshot>;
  readonly authorize?: (node: Node, info: StreamInfo) => void | Promise<void>;
  readonly maxStreams: number;
  readonly maxNames: number;
  readonly fetchTimeoutMs: number;
  /** Shared Any/Delta envelopes: one per resource for all streams. */
  readonly framer: Framer;
  /** Shares unchanged parts of successive snapshots across streams (see SnapshotInterner). */
  readonly interner: SnapshotInterner;
  readonly registry: StreamRegistry;
  readonly active: Set<ActiveStream>;
  emit(event: XdsEvent): void;
  /** Whether anyone listens to events$: when not, per-push and per-ACK events are not even built. */
  listening(): boolean;
  /** Whether debug lines would be written: when not, their objects are not built (hot push/ACK path). */
  debugEnabled(): boolean;
  nextStreamId(): string;
  closing(): boolean;
  machineConfig(typeUrl: string | undefined): MachineConfig;
}
