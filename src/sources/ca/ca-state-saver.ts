import type { Logger } from '../../core/logger.js';
import type { CaPersistence, CaState } from './ca-types.js';
import { CaStateChangedError } from './store-ca-persistence.js';

/**
 * Saves CA states one at a time, in order: each save writes the state its `pick` returns when its
 * turn comes (so a burst of changes ends with the latest saved), and a state already saved is not
 * written again. Without persistence every save resolves at once.
 */
export class CaStateSaver {
  private saved: CaState | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly persistence: CaPersistence | undefined,
    private readonly logger: Logger,
    alreadySaved?: CaState,
  ) {
    this.saved = alreadySaved;
  }

  get enabled(): boolean {
    return this.persistence !== undefined;
  }

  /** Resolves when `pick()`'s state is saved; rejects with the persistence's error. */
  save(pick: () => CaState): Promise<void> {
    const persistence = this.persistence;
    if (!persistence) return Promise.resolve();
    const run = async () => {
      const state = pick();
      if (state === this.saved) return;
      await persistence.save(state);
      this.saved = state;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** `state` is what the persistence holds now (written by someone else): saving it again writes nothing. */
  markSaved(state: CaState): void {
    this.saved = state;
  }

  /**
   * Fire and forget: a failure is logged (the next change tries again). Losing a race to another replica
   * is expected when the persistence reports their states (`changes$`: the CA follows theirs).
   */
  saveInBackground(pick: () => CaState): void {
    this.save(pick).catch((err: unknown) => {
      if (err instanceof CaStateChangedError && this.persistence?.changes$) {
        this.logger.info({ reason: err.message }, 'another replica changed the CA state first: following it');
      } else {
        this.logger.error({ err }, 'saving the CA state failed');
      }
    });
  }
}
