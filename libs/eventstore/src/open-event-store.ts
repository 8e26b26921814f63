import { join } from 'node:path';
import type { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export interface EventStoreConfig {
  /** `esdb://...` selects EventStoreDB; anything else (or nothing) the embedded SQLite file. */
  url?: string;
  dataDir: string;
}

/** Picks the adapter from configuration, so nothing else needs to know which one runs. */
export async function openEventStore(config: EventStoreConfig): Promise<EventStore> {
  if (config.url && /^esdb(\+discover)?:\/\//.test(config.url)) {
    const { EsdbEventStore } = await import('./esdb/esdb-event-store');
    return EsdbEventStore.connect(config.url);
  }
  return new SqliteEventStore({ path: join(config.dataDir, 'events.sqlite') });
}
