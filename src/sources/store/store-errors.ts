/**
 * A write the store refused as a whole (nothing of it was applied): an op referred to something that
 * does not exist, or a check-and-set index did not match.
 */
export class StoreConflictError extends Error {
  constructor(
    readonly reason: 'not-found' | 'cas-mismatch' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** The store could not persist a write (disk full, I/O error, closed): nothing of it was applied. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
