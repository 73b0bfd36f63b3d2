import type { ConfigEntry } from '../config-entries/config-entry.js';
import type { AclConfig } from './acl-config.js';

/** What one declarative file declares (CONTRACT section 2), validated. `S` is the service definition type. */
export interface FileContent<S> {
  readonly services: readonly S[];
  readonly configEntries: readonly ConfigEntry[];
  readonly acl?: AclConfig;
}

/** Where and why a file was refused: the file, the line (when known), the field, the message. */
export interface FileError {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** e.g. `config_entries[1].Splits[0].Weight` (the file's own top-level key spelling). */
  readonly field?: string;
  readonly message: string;
}

/** One read of one file: its content, or why it was refused. */
export type FileLoad<S> =
  | { readonly path: string; readonly ok: true; readonly content: FileContent<S> }
  | { readonly path: string; readonly ok: false; readonly error: FileError };

export interface FileState<S> {
  readonly path: string;
  readonly status: 'ok' | 'degraded';
  /** Why the file is degraded: `mesh.yaml:14: config_entries[1].Splits[0].Weight: must be ...`. */
  readonly error?: string;
  readonly errorDetail?: FileError;
  /** The content in force for this file: its last valid version (empty until it has had one). */
  readonly lastGood: FileContent<S>;
  /** False until the file has been valid at least once. */
  readonly everGood: boolean;
}

export interface FileSourceState<S> {
  /** In the order the files were given. */
  readonly files: readonly FileState<S>[];
  /** What all files declare together: the union of each file's last good content, earlier files first. */
  readonly merged: FileContent<S>;
}

export const EMPTY_CONTENT: FileContent<never> = Object.freeze({ services: Object.freeze([]), configEntries: Object.freeze([]) });

export function formatFileError(e: FileError): string {
  const where = e.line !== undefined ? `${e.file}:${e.line}` : e.file;
  return e.field ? `${where}: ${e.field}: ${e.message}` : `${where}: ${e.message}`;
}
