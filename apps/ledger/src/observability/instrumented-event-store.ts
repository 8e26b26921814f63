import type { EventStore } from '@ledger/eventstore';
import type { LedgerMetrics } from './metrics';

/** The same store, counting appends and timing them; everything else passes straight through. */
export function instrumentEventStore(store: EventStore, metrics: LedgerMetrics): EventStore {
  const append: EventStore['append'] = async (streamId, events, expected) => {
    const stop = metrics.appendDuration.startTimer();
    try {
      const result = await store.append(streamId, events, expected);
      metrics.appends.inc({ outcome: 'ok' });
      metrics.appendedEvents.inc(events.length);
      return result;
    } catch (error) {
      metrics.appends.inc({ outcome: (error as { code?: string }).code === 'WRONG_EXPECTED_REVISION' ? 'conflict' : 'error' });
      throw error;
    } finally {
      stop();
    }
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') return append;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
