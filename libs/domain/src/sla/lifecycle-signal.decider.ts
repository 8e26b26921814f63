import { DomainError, InvalidCommand } from '../shared/domain-error';
import type { Decider } from '../shared/decider';
import type { LifecycleSignalEvent, TerminationSignalReceived } from './sla-case.events';

export interface RecordTermination {
  type: 'RecordTermination';
  signalId: string;
  userId: string;
  userName: string;
  effectiveAt: string;
  source: string | null;
  /** When we were told: the request time. */
  at: string;
}
export type LifecycleSignalCommand = RecordTermination;

export type LifecycleSignal = { status: 'absent' } | { status: 'recorded'; signal: TerminationSignalReceived['data'] };
export const initialLifecycleSignal: LifecycleSignal = { status: 'absent' };

/** A signal id reused for a different person or date: the sender has a bug we must not paper over. */
export class SignalIdReused extends DomainError {
  readonly code = 'SIGNAL_ID_REUSED';
  constructor(readonly signalId: string) {
    super(`signal ${signalId} was already recorded with a different user or effective time`);
  }
}

/** HR systems retry: the same signal id with the same content is recorded once. */
export function decideLifecycleSignal(command: LifecycleSignalCommand, state: LifecycleSignal): LifecycleSignalEvent[] {
  switch (command.type) {
    case 'RecordTermination': {
      if (Number.isNaN(Date.parse(command.effectiveAt))) throw new InvalidCommand('effectiveAt must be an ISO-8601 time');
      if (state.status === 'recorded') {
        const same = state.signal.userId === command.userId && Date.parse(state.signal.effectiveAt) === Date.parse(command.effectiveAt);
        if (!same) throw new SignalIdReused(command.signalId);
        return [];
      }
      return [{
        type: 'TerminationSignalReceived',
        data: {
          signalId: command.signalId,
          userId: command.userId,
          userName: command.userName,
          effectiveAt: new Date(Date.parse(command.effectiveAt)).toISOString(),
          receivedAt: command.at,
          source: command.source,
          at: command.at,
        },
      }];
    }
    default: {
      const exhaustive: never = command.type;
      throw new Error(`unknown lifecycle signal command ${String(exhaustive)}`);
    }
  }
}

export function evolveLifecycleSignal(state: LifecycleSignal, event: LifecycleSignalEvent): LifecycleSignal {
  switch (event.type) {
    case 'TerminationSignalReceived':
      return state.status === 'absent' ? { status: 'recorded', signal: event.data } : state;
    default: {
      const exhaustive: never = event.type;
      throw new Error(`unknown lifecycle signal event ${String(exhaustive)}`);
    }
  }
}

export const lifecycleSignalDecider: Decider<LifecycleSignalCommand, LifecycleSignal, LifecycleSignalEvent> = {
  decide: decideLifecycleSignal,
  evolve: evolveLifecycleSignal,
  initialState: initialLifecycleSignal,
};
