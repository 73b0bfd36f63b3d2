export { watchConfigFiles, type WatchConfigFilesDeps } from './watch-config-files.js';
export { parseConfigFile, defaultServiceId, type ParseFileDeps } from './parse-config-file.js';
export { keepLastGood } from './keep-last-good.js';
export { coalesceFileEvents } from './coalesce-file-events.js';
export { parseAclConfig, type AclConfig, type AclToken, type AclPolicy } from './acl-config.js';
export {
  EMPTY_CONTENT,
  formatFileError,
  type FileContent,
  type FileError,
  type FileLoad,
  type FileState,
  type FileSourceState,
} from './file-source-state.js';
