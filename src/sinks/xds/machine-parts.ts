import type { Resource } from '../../core/resource.js';
import { nextWakeup, planNext, type Phase, type PushPlanView } from './push-planner.js';
import { subscribedList } from './name-sets.js';
import type { MachineOutput, StreamMachine, StreamView, Transition } from './stream-machine.js';
import { recordAck, recordNack, typeStatus, type Instant, type TypeLedger, type TypeStatus } from './stream-status.js';
import { nackMessage } from './stream-machine.js';

/** What SotW and Delta type states have in common: the subscription and the ledger. */
export interface TypeStateBase {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  readonly ledger: TypeLedger;
}

/**
 * A request carrying the nonce of the response in flight answers it: a NACK when it has an
 * `error_detail` (a NACK repeats the last good version, so the version tells nothing), else an ACK.
 * Returns the type state with its ledger updated and pushes the ack/nack output.
 */
export function answerInFlight<T extends TypeStateBase, Resp>(
  ts: T,
  typeUrl: string,
  req: { readonly responseNonce: string; readonly errorDetail?: { code: number; message: string } },
  at: Instant,
  outputs: MachineOutput<Resp>[],
): T {
  const { lastSentVersion: version = '', lastSentAt: sentAt } = ts.ledger;
  const nonce = req.responseNonce;
  if (req.errorDetail) {
    const error = nackMessage(req.errorDetail);
    outputs.push({ kind: 'nack', typeUrl, nonce, version, error, sentAt });
    return { ...ts, ledger: recordNack(ts.ledger, error, at) };
  }
  outputs.push({ kind: 'ack', typeUrl, nonce, version, sentAt });
  return { ...ts, ledger: recordAck(ts.ledger, at) };
}

type Planned<S, Resp> = Pick<StreamMachine<unknown, Resp, S>, 'next' | 'wakeAt' | 'subscriptions' | 'view'>;

/**
 * The machine methods SotW and Delta share: the next response is the push planner's choice (ordering
 * and hold-back for ADS) built by `build`; subscriptions and the operator view read the type states.
 */
export function plannedMachineParts<T extends TypeStateBase, S extends { readonly types: ReadonlyMap<string, T> }, Resp>(options: {
  readonly ordering: { readonly ordered: boolean; readonly holdMs: number };
  readonly planView: (state: S) => PushPlanView;
  readonly build: (state: S, typeUrl: string, phase: Phase, at: Instant) => Transition<S, Resp>;
  /** What the client subscribes to, for the status view (Delta counts names it was told about too). */
  readonly subscribed: (ts: T) => readonly string[] | '*';
  /** What the client holds of the type, as far as the server knows. */
  readonly sent: (ts: T) => ReadonlyMap<string, Resource>;
}): Planned<S, Resp> {
  const { ordering, planView, build } = options;
  return {
    next(state, at) {
      const choice = planNext(planView(state), at, ordering);
      return choice ? build(state, choice.typeUrl, choice.phase, at) : undefined;
    },
    wakeAt: (state, at) => nextWakeup(planView(state), at, ordering),
    subscriptions(state) {
      const out = new Map<string, readonly string[] | '*'>();
      for (const [t, ts] of state.types) out.set(t, subscribedList(ts.wildcard, ts.names));
      return out;
    },
    view(state): StreamView {
      const types = new Map<string, TypeStatus>();
      const sent = new Map<string, ReadonlyMap<string, Resource>>();
      for (const [t, ts] of state.types) {
        types.set(t, typeStatus(t, ts.ledger, options.subscribed(ts)));
        sent.set(t, options.sent(ts));
      }
      return { types, sent };
    },
  };
}
