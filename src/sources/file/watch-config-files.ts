import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  asyncScheduler,
  defer,
  distinctUntilChanged,
  from,
  groupBy,
  map,
  merge,
  mergeMap,
  Observable,
  switchMap,
  tap,
  type SchedulerLike,
} from 'rxjs';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Result } from '../../core/result.js';
import { coalesceFileEvents } from './coalesce-file-events.js';
import type { FileLoad, FileSourceState } from './file-source-state.js';
import { keepLastGood } from './keep-last-good.js';
import { defaultServiceId, parseConfigFile } from './parse-config-file.js';

export interface WatchConfigFilesDeps<S> {
  /** Validates one service definition (pass the HTTP API's parser so files and API agree). */
  readonly parseService: (raw: unknown) => Result<S>;
  readonly serviceId?: (s: S) => string;
  readonly logger?: Logger;
  /** Drives the debounce (default: asyncScheduler). */
  readonly scheduler?: SchedulerLike;
  /** Quiet time after the last change event of a file before it is read again (default 50 ms). */
  readonly debounceMs?: number;
}

/**
 * The declarative file source: reads each file (YAML or JSON, CONTRACT section 2), validates it, and emits the
 * state of all files and their merged content; then watches them and emits again after each change.
 *
 * Watching is on the files' directories (fs.watch), so editors that save by writing a temporary file and
 * renaming it over the original, and Kubernetes ConfigMap symlink swaps, are seen. Any event in a directory
 * re-reads that directory's watched files after `debounceMs` of quiet; a file whose text did not change is not
 * re-emitted. A file that is missing, unreadable or invalid is degraded (logged once per distinct error) and
 * its last good content stays in force (see keepLastGood).
 *
 * The first emission comes once every file has been read. Unsubscribing closes the watchers.
 */
export function watchConfigFiles<S>(paths: readonly string[], deps: WatchConfigFilesDeps<S>): Observable<FileSourceState<S>> {
  const logger = deps.logger ?? silentLogger;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const debounceMs = deps.debounceMs ?? 50;
  const serviceId = deps.serviceId ?? (defaultServiceId as (s: S) => string);
  const files = [...new Set(paths)];
  const absolute = new Map(files.map((p) => [p, resolve(p)]));

  const changes$ = new Observable<string>((subscriber) => {
    const watchers: FSWatcher[] = [];
    const byDir = new Map<string, string[]>();
    for (const p of files) {
      const dir = dirname(absolute.get(p)!);
      byDir.set(dir, [...(byDir.get(dir) ?? []), p]);
    }
    for (const [dir, inDir] of byDir) {
      try {
        // Any event in the directory may concern our files (a rename over one of them, a symlink swap of
        // `..data` in a Kubernetes volume, an event without a file name): re-read them all. Reading is
        // debounced, and unchanged text is dropped below.
        const w = watch(dir, { persistent: false }, () => {
          for (const p of inDir) subscriber.next(p);
        });
        w.on('error', (e) => logger.error({ dir, err: String(e) }, 'config directory watch failed'));
        watchers.push(w);
      } catch (e) {
        logger.error({ dir, err: String(e) }, 'cannot watch config directory; changes there will not be seen');
      }
    }
    return () => {
      for (const w of watchers) w.close();
    };
  });

  const read = (path: string): Observable<{ path: string; text: string | undefined; readError?: string }> =>
    defer(() =>
      readFile(absolute.get(path)!, 'utf8').then(
        (text) => ({ path, text }),
        (e: NodeJS.ErrnoException) => ({ path, text: undefined, readError: e.code === 'ENOENT' ? 'file not found' : `cannot read: ${e.message}` }),
      ),
    );

  return defer(() => {
    const triggers$ = merge(from(files), changes$.pipe(coalesceFileEvents(debounceMs, scheduler)));
    const lastError = new Map<string, string>();
    const lastGood = new Map<string, unknown>();
    return triggers$.pipe(
      groupBy((p) => p),
      mergeMap((perFile$) =>
        perFile$.pipe(
          switchMap(read),
          distinctUntilChanged((a, b) => a.text === b.text && a.readError === b.readError),
        ),
      ),
      map(({ path, text, readError }): FileLoad<S> => {
        if (text === undefined) return { path, ok: false, error: { file: path, message: readError ?? 'cannot read' } };
        const r = parseConfigFile(text, path, { parseService: deps.parseService, serviceId });
        return r.ok ? { path, ok: true, content: r.content } : { path, ok: false, error: r.error };
      }),
      keepLastGood<S>(files, serviceId),
      tap((state) => {
        for (const f of state.files) {
          if (f.status === 'degraded' && f.error && lastError.get(f.path) !== f.error) {
            logger.error({ file: f.path, error: f.error }, 'config file rejected; its last good content stays in force');
            lastError.set(f.path, f.error);
          } else if (f.status === 'ok') lastError.delete(f.path);
          if (f.status === 'ok' && lastGood.get(f.path) !== f.lastGood) {
            logger.info({ file: f.path, services: f.lastGood.services.length, configEntries: f.lastGood.configEntries.length }, 'config file loaded');
          }
          lastGood.set(f.path, f.lastGood);
        }
      }),
    );
  });
}
