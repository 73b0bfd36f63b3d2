import { pino, type DestinationStream } from 'pino';
import type { Logger } from '../core/logger.js';
import type { LogLevel } from '../cli/serve-options.js';

/**
 * The daemon's logger: pino JSON lines on stdout (or the given destination). Components get child loggers
 * from it; nothing logs through a module global.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: ['token', '*.token', 'headers["x-consul-token"]', 'headers.authorization'], censor: '[redacted]' },
    },
    destination,
  ) as unknown as Logger;
}
