import { resolve } from 'node:path';
import { concatMap, from, type Observable, type Subscription } from 'rxjs';
import { silentLogger, type Logger } from '../../core/logger.js';
import { formatPath } from '../../core/result.js';
import { graphProblems, type ConfigEntry, type ConfigEntrySet } from '../config-entries/index.js';
import { watchConfigFiles, type FileSourceState, type FileState, type WatchConfigFilesDeps } from '../file/index.js';
import type { SourceStatusRegistry } from '../source-status.js';
import { applyOps } from '../store/apply-ops.js';
import { configEntryKey, type CatalogState, type WriteOp } from '../store/catalog-state.js';
import type { StateStore } from '../store/state-store.js';
import { deregistrationOps, registrationOps, type RegistrationOptions } from './registration.js';
import { parseServiceDefinition, type ServiceDefinition } from './service-definition.js';

export interface FileSourceOptions {
  readonly logger?: Logger;
  /** Each file reports as `file:<path>` (ok | degraded, its error, the index of its last change). */
  readonly sourceStatus?: SourceStatusRegistry;
  readonly registration?: RegistrationOptions;
}

/** The owner recorded on what a file declares. */
export function fileOwner(path: string): string {
  return `file:${resolve(path)}`;
}

/**
 * The ops that make the store hold exactly what one file declares (its last good content): its services
 * registered as the API would (sidecars, checks; check status kept), its config entries written, and
 * whatever this file declared before but no longer does removed. Records owned by someone else (the API,
 * another file) are left alone, except that a file re-declaring a service or entry takes it back.
 * Throws if the file's config entries would break the stored ones (a route to a subset that does not exist).
 */
export function fileReconcileOps(state: CatalogState, owner: string, content: FileState<ServiceDefinition>['lastGood'], options: RegistrationOptions = {}): WriteOp[] {
  const ops: WriteOp[] = [];
  let scratch = state;
  const add = (more: readonly WriteOp[]) => {
    if (more.length === 0) return;
    scratch = applyOps(scratch, more).state;
    ops.push(...more);
  };
  const declared = new Set(content.services.map((s) => s.ID));
  for (const s of state.services.values()) {
    if (s.Owner === owner && !s.ParentServiceID && !declared.has(s.ID)) add(deregistrationOps(scratch, s.ID) ?? []);
  }
  for (const def of content.services) add(registrationOps(scratch, def, owner, options));

  const entries = new Set(content.configEntries.map((e) => configEntryKey(e.Kind, e.Name)));
  for (const e of state.configEntries.values()) {
    if (e.Owner === owner && !entries.has(configEntryKey(e.Kind, e.Name))) add([{ type: 'config-delete', kind: e.Kind, name: e.Name }]);
  }
  add(content.configEntries.map((entry) => ({ type: 'config-put', entry: { Kind: entry.Kind, Name: entry.Name, Entry: { ...entry }, Owner: owner } }) as const));
  refuseNewGraphProblems(state, scratch);
  return ops;
}

/** The ops that remove everything owned by files that are no longer configured (e.g. after a restart without them). */
export function orphanedFileOps(state: CatalogState, owners: ReadonlySet<string>): WriteOp[] {
  const ops: WriteOp[] = [];
  let scratch = state;
  for (const s of state.services.values()) {
    if (s.Owner.startsWith('file:') && !owners.has(s.Owner) && !s.ParentServiceID && scratch.services.has(s.ID)) {
      const more = deregistrationOps(scratch, s.ID) ?? [];
      scratch = applyOps(scratch, more).state;
      ops.push(...more);
    }
  }
  for (const e of state.configEntries.values()) {
    if (e.Owner.startsWith('file:') && !owners.has(e.Owner)) ops.push({ type: 'config-delete', kind: e.Kind, name: e.Name });
  }
  return ops;
}

/**
 * Keeps the store in line with the watched files: on every state of the file source, one atomic write per
 * file (so a file that cannot be applied does not hold the others back), then the removal of what files
 * that are no longer configured had declared. A file that is invalid keeps its last good content in force
 * (the file source's rule); one whose content cannot be applied (e.g. it conflicts with entries written
 * through the API) is reported degraded and nothing of that version is stored.
 */
export function applyFileSource(store: StateStore, files$: Observable<FileSourceState<ServiceDefinition>>, options: FileSourceOptions = {}): Subscription {
  const logger = options.logger ?? silentLogger;
  const status = options.sourceStatus;
  const applied = new Map<string, unknown>();
  return files$
    .pipe(
      concatMap((fileState) =>
        from(
          (async () => {
            for (const f of fileState.files) {
              const name = `file:${f.path}`;
              const owner = fileOwner(f.path);
              let error = f.status === 'degraded' ? (f.error ?? 'invalid file') : undefined;
              let changeIndex: number | undefined;
              if (applied.get(f.path) !== f.lastGood) {
                try {
                  const before = store.current().index;
                  const index = await store.write((state) => fileReconcileOps(state, owner, f.lastGood, options.registration));
                  applied.set(f.path, f.lastGood);
                  if (index !== before) changeIndex = index;
                } catch (err) {
                  error = `cannot apply ${f.path}: ${(err as Error).message}`;
                  logger.error({ file: f.path, err: (err as Error).message }, 'config file not applied; what it declared before stays in force');
                }
              }
              status?.report(name, error ? { state: 'degraded', error } : { state: 'ok', ...(changeIndex ? { changeIndex } : {}) });
            }
            const owners = new Set(fileState.files.map((f) => fileOwner(f.path)));
            await store.write((state) => orphanedFileOps(state, owners));
          })().catch((err: unknown) => logger.error({ err }, 'file source reconcile failed')),
        ),
      ),
    )
    .subscribe();
}

/**
 * Watches `paths` (CONTRACT section 2) and keeps the store in line with them: {@link watchConfigFiles}
 * with this package's service definition parser, into {@link applyFileSource}.
 */
export function startFileSource(
  store: StateStore,
  paths: readonly string[],
  options: FileSourceOptions & Pick<WatchConfigFilesDeps<ServiceDefinition>, 'scheduler' | 'debounceMs'> = {},
): Subscription {
  const files$ = watchConfigFiles<ServiceDefinition>(paths, {
    parseService: parseServiceDefinition,
    serviceId: (s) => s.ID,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
  });
  return applyFileSource(store, files$, options);
}

function entrySet(state: CatalogState): ConfigEntrySet {
  return new Map([...state.configEntries].map(([k, r]) => [k, r.Entry as unknown as ConfigEntry]));
}

function refuseNewGraphProblems(before: CatalogState, after: CatalogState): void {
  if (before.configEntries === after.configEntries) return;
  const key = (p: { entry: string; path: readonly (string | number)[]; message: string }) => `${p.entry}|${formatPath(p.path)}|${p.message}`;
  const old = new Set(graphProblems(entrySet(before)).map(key));
  const added = graphProblems(entrySet(after)).find((p) => !old.has(key(p)));
  if (added) throw new Error(`${added.entry}: ${formatPath(added.path) ? `${formatPath(added.path)}: ` : ''}${added.message}`);
}
