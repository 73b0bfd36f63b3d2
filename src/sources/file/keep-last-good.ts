import { filter, map, scan, type OperatorFunction } from 'rxjs';
import { keyOf, type ConfigEntry } from '../config-entries/config-entry.js';
import { defaultServiceId } from './parse-config-file.js';
import {
  EMPTY_CONTENT,
  formatFileError,
  type FileContent,
  type FileError,
  type FileLoad,
  type FileSourceState,
  type FileState,
} from './file-source-state.js';

interface Slot<S> {
  /** Why the file's own latest version was refused (parse/validation, or a clash with an earlier file). */
  loadError?: FileError;
  /** The latest version, valid by itself but refused for a clash: retried whenever another file changes. */
  pending?: FileContent<S>;
  lastGood: FileContent<S>;
  everGood: boolean;
}

/**
 * The "keep last good" rule of the file source, as a pure operator over file loads.
 *
 * - A valid load replaces the file's content; an invalid one marks the file degraded with the error and the
 *   file's last good content stays in force.
 * - Service IDs, config entries (kind/name) and `acl` may be declared by one file only: a load that declares
 *   one already declared by an earlier file (in `paths` order) is refused like an invalid file (and accepted
 *   as soon as the clash ends). Should an earlier file later take over something a later file declares, the
 *   later file is shown degraded and its clashing items are left out of the merge until the clash ends.
 * - Emits only once every path has been loaded at least once (so a consumer never sees a partial start),
 *   then after every load.
 */
export function keepLastGood<S>(
  paths: readonly string[],
  serviceId: (s: S) => string = defaultServiceId,
): OperatorFunction<FileLoad<S>, FileSourceState<S>> {
  const order = [...paths];
  return (loads$) =>
    loads$.pipe(
      scan(
        (acc, load) => {
          const slots = new Map(acc.slots);
          const prev: Slot<S> = slots.get(load.path) ?? { lastGood: EMPTY_CONTENT, everGood: false };
          if (!load.ok) {
            const { pending: _dropped, ...rest } = prev;
            slots.set(load.path, { ...rest, loadError: load.error });
          } else {
            slots.set(load.path, { ...prev, pending: load.content });
          }
          // Try every pending version, earlier files first (a change in one file may end another's clash).
          for (const path of order) {
            const slot = slots.get(path);
            if (!slot?.pending) continue;
            const clash = clashWithEarlier(order, slots, path, slot.pending, serviceId);
            slots.set(
              path,
              clash
                ? { ...slot, loadError: { file: path, message: clash } }
                : { lastGood: slot.pending, everGood: true },
            );
          }
          const seen = new Set(acc.seen);
          seen.add(load.path);
          return { slots, seen };
        },
        { slots: new Map<string, Slot<S>>(), seen: new Set<string>() },
      ),
      filter((acc) => order.every((p) => acc.seen.has(p))),
      map((acc) => merge(order, acc.slots, serviceId)),
    );
}

/** What an item of a file is, for clash detection: one namespace per kind of declaration. */
function itemKeys<S>(content: FileContent<S>, serviceId: (s: S) => string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const s of content.services) keys.set(`service:${serviceId(s)}`, `service ID "${serviceId(s)}"`);
  for (const e of content.configEntries) keys.set(`entry:${keyOf(e)}`, `config entry ${keyOf(e)}`);
  if (content.acl) keys.set('acl', 'acl section');
  return keys;
}

function clashWithEarlier<S>(
  order: readonly string[],
  slots: ReadonlyMap<string, Slot<S>>,
  path: string,
  content: FileContent<S>,
  serviceId: (s: S) => string,
): string | undefined {
  const mine = itemKeys(content, serviceId);
  for (const other of order) {
    if (other === path) return undefined;
    const theirs = itemKeys(slots.get(other)?.lastGood ?? EMPTY_CONTENT, serviceId);
    for (const [k, label] of mine) if (theirs.has(k)) return `duplicate ${label} (already declared in ${other})`;
  }
  return undefined;
}

function merge<S>(order: readonly string[], slots: ReadonlyMap<string, Slot<S>>, serviceId: (s: S) => string): FileSourceState<S> {
  const taken = new Map<string, string>();
  const services: S[] = [];
  const configEntries: ConfigEntry[] = [];
  let acl: FileContent<S>['acl'];
  const files: FileState<S>[] = [];
  for (const path of order) {
    const slot = slots.get(path) ?? { lastGood: EMPTY_CONTENT, everGood: false };
    let clash: FileError | undefined;
    const claim = (key: string, label: string): boolean => {
      const owner = taken.get(key);
      if (owner !== undefined && owner !== path) {
        clash ??= { file: path, message: `duplicate ${label} (already declared in ${owner})` };
        return false;
      }
      taken.set(key, path);
      return true;
    };
    for (const s of slot.lastGood.services) if (claim(`service:${serviceId(s)}`, `service ID "${serviceId(s)}"`)) services.push(s);
    for (const e of slot.lastGood.configEntries) if (claim(`entry:${keyOf(e)}`, `config entry ${keyOf(e)}`)) configEntries.push(e);
    if (slot.lastGood.acl && claim('acl', 'acl section')) acl = slot.lastGood.acl;
    const error = slot.loadError ?? clash;
    files.push({
      path,
      status: error ? 'degraded' : 'ok',
      ...(error ? { error: formatFileError(error), errorDetail: error } : {}),
      lastGood: slot.lastGood,
      everGood: slot.everGood,
    });
  }
  return { files, merged: { services, configEntries, ...(acl ? { acl } : {}) } };
}
