import Database from 'better-sqlite3';
import { SqliteEventStore, eventHash } from '@ledger/eventstore';
import { tempDir, type TempDir } from '@ledger/testing';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerSigningKey } from './signing-key';
import { TransparencyLog } from './transparency-log';
import { verifyStore } from './verify-store';

interface Row {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  prev_hash: string;
  hash: string;
}

describe('verifyStore: the whole local store, checked offline', () => {
  let dir: TempDir;
  let keyFile: string;
  let publicKeyPem: string;
  let checkpointPosition: bigint;

  beforeEach(async () => {
    dir = await tempDir('verify-store');
    keyFile = join(dir.path, 'ledger-signing-key.pem');
    const store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite') });
    const log = TransparencyLog.open({ store, dataDir: dir.path, keyFile, origin: 'ledger.test', checkpointIntervalSeconds: 0 });
    log.start();
    const meta = { tenant: 'acme', correlationId: 'c', actor: 'token:t' };
    for (let i = 0; i < 4; i++) {
      await store.append(`user-acme:u${i}`, [{ type: 'UserProvisioned', data: { userName: `u${i}@acme.test`, at: 't' }, metadata: meta }], 'no_stream');
      await store.append(`user-acme:u${i}`, [{ type: 'UserDeactivated', data: { userId: `u${i}`, at: 't' }, metadata: meta }], 0);
    }
    checkpointPosition = (await log.signCheckpoint({ actor: 'admin' })).position;
    await store.append('user-acme:late', [{ type: 'UserProvisioned', data: { userName: 'late@acme.test', at: 't' }, metadata: meta }], 'no_stream');
    await log.maintainer.waitFor(await store.headPosition());
    publicKeyPem = log.publicKeyPem;
    await log.stop();
    await store.close();
  });
  afterEach(async () => {
    await dir.remove();
  });

  const edit = (sql: string, ...params: unknown[]) => {
    const db = new Database(join(dir.path, 'events.sqlite'));
    db.prepare(sql).run(...params);
    db.close();
  };

  /** A careful forger: changes an event and recomputes its stream's hash chain so every chain still verifies. */
  const forgeWithRehash = (position: number, data: Record<string, unknown>) => {
    const db = new Database(join(dir.path, 'events.sqlite'));
    const target = db.prepare<[number], Row>('SELECT * FROM events WHERE position = ?').get(position)!;
    const stream = db.prepare<[string], Row>('SELECT * FROM events WHERE stream_id = ? ORDER BY revision').all(target.stream_id);
    let prev: string | null = null;
    for (const row of stream) {
      const content = {
        streamId: row.stream_id,
        revision: row.revision,
        id: row.event_id,
        type: row.type,
        schemaVersion: row.schema_version,
        data: row.position === position ? data : JSON.parse(row.data),
        metadata: JSON.parse(row.metadata),
        prevHash: prev ?? row.prev_hash,
      };
      const hash = eventHash(content);
      db.prepare('UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE position = ?').run(JSON.stringify(content.data), content.prevHash, hash, row.position);
      prev = hash;
    }
    db.close();
  };

  it('verifies an untouched store: chains, the recomputed tree and the signed checkpoint', () => {
    const verdict = verifyStore({ dataDir: dir.path, publicKeyPems: [publicKeyPem] });
    expect(verdict).toMatchObject({ ok: true, events: 11, streams: 6, checkpointsVerified: 1, uncovered: 2, warnings: [] });
  });

  it('trusts the keys found beside the store when none is pinned, and says so', () => {
    const verdict = verifyStore({ dataDir: dir.path, keyFile });
    expect(verdict).toMatchObject({ ok: true, checkpointsVerified: 1 });
    expect(verdict.warnings).toEqual([expect.stringContaining('no --public-key given')]);
  });

  it('finds a row whose data was edited in place', () => {
    edit('UPDATE events SET data = ? WHERE position = 3', JSON.stringify({ userName: 'mallory@acme.test', at: 't' }));
    const verdict = verifyStore({ dataDir: dir.path, publicKeyPems: [publicKeyPem] });
    expect(verdict).toMatchObject({ ok: false });
    expect(!verdict.ok && verdict.problem).toMatch(
      /^event \S+ \(stream user-acme:u1, revision 0, position 3\): its content does not match its recorded hash: the event was altered$/,
    );
  });

  it('finds an edit whose forger recomputed the hash chain, through the leaf recorded at append time', () => {
    forgeWithRehash(3, { userName: 'mallory@acme.test', at: 't' });
    const verdict = verifyStore({ dataDir: dir.path, publicKeyPems: [publicKeyPem] });
    expect(!verdict.ok && verdict.problem).toMatch(/position 3\): its leaf \(leaf 2\) differs from the one recorded in transparency\.sqlite when it was appended/);
  });

  it('finds the same forgery through the signed checkpoint when transparency.sqlite is gone too', () => {
    forgeWithRehash(3, { userName: 'mallory@acme.test', at: 't' });
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir.path, `transparency.sqlite${suffix}`), { force: true });
    const verdict = verifyStore({ dataDir: dir.path, publicKeyPems: [publicKeyPem] });
    expect(!verdict.ok && verdict.problem).toBe(
      `the checkpoint recorded at position ${checkpointPosition}: the Merkle root of the first ${Number(checkpointPosition) - 1} events, recomputed from the store, does not match the signed root: one of those events was changed, removed, added or reordered after the checkpoint was signed`,
    );
  });

  it('finds a deleted event, even the last of its stream', () => {
    edit('DELETE FROM events WHERE position = 4');
    const verdict = verifyStore({ dataDir: dir.path, publicKeyPems: [publicKeyPem] });
    expect(!verdict.ok && verdict.problem).toMatch(/^no event at position 4 \(the next is event \S+ \(stream user-acme:u2, revision 0, position 5\)\): events were removed from the log$/);
  });

  it('finds events removed from the end of the log', () => {
    edit('DELETE FROM events WHERE position = (SELECT MAX(position) FROM events)');
    const verdict = verifyStore({ dataDir: dir.path, publicKeyPems: [publicKeyPem] });
    expect(!verdict.ok && verdict.problem).toBe('transparency.sqlite holds 11 leaves but the log has only 10 events: events were removed from the end of the log');
  });

  it('refuses checkpoints not signed by the pinned key', () => {
    const other = LedgerSigningKey.generate('ledger.test');
    const verdict = verifyStore({ dataDir: dir.path, publicKeyPems: [other.publicKeyPem] });
    expect(!verdict.ok && verdict.problem).toMatch(/^the checkpoint recorded at position \d+: the checkpoint is not signed by any trusted key \(it carries key ids: [0-9a-f]{8}\)$/);
  });
});
