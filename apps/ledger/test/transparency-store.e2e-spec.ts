import Database from 'better-sqlite3';
import { tempDir, type TempDir } from '@ledger/testing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/run-cli';
import { USER_SCHEMA, startHarness } from './ledger-harness';

describe('scim-ledger verify --store: the whole local store, checked offline', () => {
  let dir: TempDir;
  let pemFile: string;

  const cli = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: {} });
    return { code, out, err };
  };

  beforeAll(async () => {
    dir = await tempDir('verify-store');
    const h = await startHarness(dir);
    const { token } = await h.tenantWithToken('acme');
    for (const userName of ['alice@acme.test', 'bob@acme.test']) {
      expect((await h.scim(token, 'POST', '/tenants/acme/scim/v2/Users', { schemas: [USER_SCHEMA], userName })).status).toBe(201);
    }
    expect((await h.admin('POST', '/transparency/checkpoints')).status).toBe(201);
    pemFile = join(dir.path, 'ledger.pem');
    writeFileSync(pemFile, await (await fetch(`${h.url}/transparency/public-key`)).text());
    await h.close();
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('verifies an untouched store against the pinned public key', async () => {
    const result = await cli('verify', '--store', '--data-dir', dir.path, '--public-key', pemFile);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^VERIFIED: .*: \d+ events in \d+ streams; every hash chain is intact\n {2}Merkle tree recomputed; 1 signed checkpoint\(s\) match it/);
    expect(result.err).toBe('');
  });

  it('finds a row edited in the SQLite file, naming the event', async () => {
    const db = new Database(join(dir.path, 'events.sqlite'));
    const row = db.prepare<[], { position: number; data: string }>("SELECT position, data FROM events WHERE type = 'UserProvisioned' ORDER BY position LIMIT 1").get()!;
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace('alice@acme.test', 'mallory@acme.test'), row.position);
    db.close();

    const result = await cli('verify', '--store', '--data-dir', dir.path, '--public-key', pemFile);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      new RegExp(`^NOT VERIFIED: event \\S+ \\(stream user-acme:\\S+, revision 0, position ${row.position}\\): its content does not match its recorded hash: the event was altered\\n$`),
    );
  });
});
