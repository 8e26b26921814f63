import { SqliteEventStore } from '@ledger/eventstore';
import { tempDir } from '@ledger/testing';
import { join } from 'node:path';
import { eventStoreContract } from '../src/event-store.contract';

eventStoreContract('SQLite (better-sqlite3, WAL, file on disk)', async () => {
  const dir = await tempDir('es-contract');
  const path = join(dir.path, 'events.sqlite');
  const store = new SqliteEventStore({ path, pollIntervalMs: 50 });
  return {
    store,
    reopen: async () => new SqliteEventStore({ path, pollIntervalMs: 50 }),
    cleanup: async () => {
      await store.close();
      await dir.remove();
    },
  };
});
