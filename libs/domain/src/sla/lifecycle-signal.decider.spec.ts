import { deciderSpec } from '@ledger/testing';
import { lifecycleSignalDecider, SignalIdReused, type RecordTermination } from './lifecycle-signal.decider';
import type { LifecycleSignalEvent } from './sla-case.events';

const given = deciderSpec(lifecycleSignalDecider);
const T0 = '2026-03-03T10:00:00.000Z';

const terminate = (overrides: Partial<RecordTermination> = {}): RecordTermination => ({
  type: 'RecordTermination', signalId: 'hr-42', userId: 'u-alice', userName: 'alice@example.com',
  effectiveAt: '2026-03-03T12:00:00+02:00', source: 'workday', at: T0, ...overrides,
});
const received: LifecycleSignalEvent = {
  type: 'TerminationSignalReceived',
  data: { signalId: 'hr-42', userId: 'u-alice', userName: 'alice@example.com', effectiveAt: T0, receivedAt: T0, source: 'workday', at: T0 },
};

describe('lifecycle signal decider', () => {
  it('records a termination with its effective time in UTC and when we received it', () =>
    given([]).when(terminate()).then([received]));

  it('a retried signal (same id, same content) is recorded once', () =>
    given([received]).when(terminate({ at: '2026-03-03T10:00:05.000Z' })).then([]));

  it('a signal id reused for another user is refused', () =>
    given([received]).when(terminate({ userId: 'u-bob' })).thenThrows(SignalIdReused));
});
