// A hold-back ends with time alone, so the pipeline sets a timer for it. The timer must be computed for
// the instant at which planning saw the hold: if the clock moves past the hold's end between planning
// ("held") and computing the wake-up ("already over, nothing to wake for"), nothing ever pumps again and
// the stream stalls. Seen for real: a SotW client that never ACKs got CDS and EDS but never LDS and RDS,
// about one run in 30 (test/xds/sotw-ordering "the hold is bounded").
import { test } from 'node:test';
import { NEVER, filter, map, of, type SchedulerLike } from 'rxjs';
import { runMachine } from '../../src/sinks/xds/xds-pipeline.js';
import type { StreamMachine } from '../../src/sinks/xds/stream-machine.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { testScheduler } from '../sinks/xds/marble-support.js';

type State = 'held' | 'sent';
const HOLD_ENDS = 1; // virtual ms

/** One response held until HOLD_ENDS; planning takes 1 ms of the clock (`elapse`), as on a busy machine. */
function heldMachine(elapse: () => void): StreamMachine<never, string, State> {
  return {
    initial: 'held',
    request: (state) => ({ state, outputs: [] }),
    snapshot: (state) => state,
    next(state, at) {
      if (state === 'sent') return undefined;
      if (at.tick >= HOLD_ENDS) {
        return { state: 'sent', outputs: [{ kind: 'response', typeUrl: 'T', nonce: '1', version: 'v', response: 'r', resources: [], removed: [] }] };
      }
      elapse();
      return undefined;
    },
    // Consistent with next() at the same instant: a wake-up while the hold lasts, none once it is over.
    wakeAt: (state, at) => (state === 'held' && at.tick < HOLD_ENDS ? HOLD_ENDS : undefined),
    view: () => ({ types: new Map(), sent: new Map() }),
    subscriptions: () => new Map(),
  };
}

test('a hold-back that ends while the pipeline is planning still gets its wake-up: the held response is sent', () => {
  const ts = testScheduler();
  ts.run(({ expectObservable }) => {
    let offset = 0;
    const clock: SchedulerLike = { now: () => ts.now() + offset, schedule: ts.schedule.bind(ts) as SchedulerLike['schedule'] };
    const machine = heldMachine(() => (offset += 1));
    const responses = runMachine(machine, NEVER, of({} as Snapshot), { scheduler: clock }).pipe(
      filter((step) => step.outputs.length > 0),
      map((step) => step.outputs.map((o) => o.kind).join()),
    );
    expectObservable(responses).toBe('r', { r: 'response' });
  });
});
