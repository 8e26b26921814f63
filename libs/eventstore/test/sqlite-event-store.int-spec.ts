import { InvalidAppend, SqliteEventStore, WrongExpectedRevision, verifyStreamChain } from '@ledger/eventstore';
import { tempDir } from '@ledger/testing';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
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

describe('SQLite: two processes appending to one file', () => {
  it('sees the other writer\'s appends: revisions and the hash chain continue from what is on disk', async () => {
    const dir = await tempDir('es-two-writers');
    const path = join(dir.path, 'events.sqlite');
    const first = new SqliteEventStore({ path });
    const second = new SqliteEventStore({ path });
    const event = (n: number) => ({ type: 'Noted', data: { n }, metadata: { tenant: 't', correlationId: 'c', actor: 'test' } });
    try {
      await first.append('s-1', [event(0)], 'no_stream');
      await second.append('s-1', [event(1)], 0);
      // The first writer last saw revision 0; the stream is at 1 on disk.
      await expect(first.append('s-1', [event(2)], 0)).rejects.toBeInstanceOf(WrongExpectedRevision);
      await first.append('s-1', [event(2)], 1);
      await second.append('s-1', [event(3)], 2);
      const events = await first.readStream('s-1');
      expect(events.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3]);
      expect(verifyStreamChain(events)).toMatchObject({ ok: true, events: 4 });
    } finally {
      await first.close();
      await second.close();
      await dir.remove();
    }
  });
});

describe('SQLite: a store written with the first layout (events indexed by stream_id)', () => {
  it('is migrated in place when opened: same positions, revisions and hashes, and appends continue the chains', async () => {
    const dir = await tempDir('es-migrate');
    const path = join(dir.path, 'events.sqlite');
    const metadata = { tenant: 't', correlationId: 'c', actor: 'test' };
    const writer = new SqliteEventStore({ path });
    await writer.append('user-t:1', [{ type: 'A', data: { n: 1 }, metadata }, { type: 'B', data: { n: 2 }, metadata }], 'no_stream');
    await writer.append('group-t:1', [{ type: 'C', data: { n: 3 }, metadata }], 'no_stream');
    await writer.append('user-t:1', [{ type: 'D', data: { n: 4 }, metadata }], 1);
    const before = await writer.readAll();
    await writer.close();

    const db = new Database(path);
    db.exec(`
      CREATE TABLE events_old (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
        UNIQUE (stream_id, revision));
      INSERT INTO events_old SELECT position, stream_id, revision, event_id, type, schema_version, data, metadata, prev_hash, hash FROM events;
      DROP TABLE events; DROP TABLE streams; ALTER TABLE events_old RENAME TO events; PRAGMA user_version = 1;`);
    db.close();

    const store = new SqliteEventStore({ path });
    try {
      expect(await store.readAll()).toEqual(before);
      await store.append('user-t:1', [{ type: 'E', data: { n: 5 }, metadata }], 2);
      await expect(store.append('group-t:1', [{ type: 'F', data: {}, metadata }], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevision);
      const user = await store.readStream('user-t:1');
      expect(user.map((e) => e.type)).toEqual(['A', 'B', 'D', 'E']);
      expect(verifyStreamChain(user)).toMatchObject({ ok: true, events: 4 });
      expect(store.db.pragma('user_version', { simple: true })).toBe(2);
    } finally {
      await store.close();
      await dir.remove();
    }
  });
});

describe('SQLite: data that is not JSON', () => {
  it('refuses the append with InvalidAppend and writes nothing', async () => {
    const dir = await tempDir('es-not-json');
    const store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite') });
    const metadata = { tenant: 't', correlationId: 'c', actor: 'test' };
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    try {
      await expect(store.append('s-1', [{ type: 'A', data: { n: 1n }, metadata }], 'no_stream')).rejects.toBeInstanceOf(InvalidAppend);
      await expect(store.append('s-1', [{ type: 'A', data: cyclic, metadata }], 'no_stream')).rejects.toBeInstanceOf(InvalidAppend);
      expect(await store.headPosition()).toBe(0n);
      await store.append('s-1', [{ type: 'A', data: { n: 1 }, metadata }], 'no_stream');
      expect((await store.readStream('s-1')).map((e) => e.revision)).toEqual([0]);
    } finally {
      await store.close();
      await dir.remove();
    }
  });
});

describe('SQLite: a process started with V8 options', () => {
  it('opens the store and appends under `node --max-old-space-size=...`, as production launches often are', async () => {
    const dir = await tempDir('es-v8-flags');
    try {
      const script = `
        const { SqliteEventStore } = require(${JSON.stringify(join(__dirname, '../src/index.ts'))});
        const store = new SqliteEventStore({ path: ${JSON.stringify(join(dir.path, 'events.sqlite'))} });
        store.append('s-1', [{ type: 'Noted', data: { n: 1 }, metadata: { tenant: 't', correlationId: 'c', actor: 'test' } }], 'no_stream')
          .then(() => store.readStream('s-1'))
          .then((events) => { console.log('appended', events.length); return store.close(); })
          .catch((error) => { console.error(error); process.exit(1); });
      `;
      const run = spawnSync(process.execPath, ['--max-old-space-size=512', '-r', '@swc-node/register', '-e', script], { cwd: join(__dirname, '../../..'), encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV');
      expect(run.stdout.trim()).toBe('appended 1');
      expect(run.status).toBe(0);
    } finally {
      await dir.remove();
    }
  });
});
