import { tempDir, type TempDir } from '@ledger/testing';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/run-cli';
import { GROUP_SCHEMA, USER_SCHEMA, startHarness } from './ledger-harness';

/** `projections rebuild` and `projections status` work offline on DATA_DIR; the answers survive a rebuild. */
// Each test starts the service on DATA_DIR again, on a shared 2-core machine.
jest.setTimeout(60_000);

describe('projections CLI on a stopped service', () => {
  let dir: TempDir;
  let answersBefore: unknown[];
  // Asked at an instant after every write, so each answer is the same whenever it is asked.
  let settled: string;
  const questions = (userId: string, groupId: string) => [
    `users/${userId}/state?at=${settled}`,
    `users/${userId}/access?at=${settled}`,
    `groups/${groupId}/members?at=${settled}`,
    `users/${userId}/membership-history`,
    `changes?count=1000&to=${settled}`,
    `drift?staleDays=0&to=${settled}`,
  ];
  let asked: string[];

  async function ask(): Promise<unknown[]> {
    const h = await startHarness(dir);
    try {
      const answers = await Promise.all(asked.map(async (q) => {
        const response = await h.admin('GET', `/tenants/acme/audit/${q}`);
        expect(response.status).toBe(200);
        return response.body;
      }));
      // Each start listens on a new port, and drift says when it was asked: neither is the answer.
      return JSON.parse(JSON.stringify(answers).replaceAll(h.url, 'http://ledger'), (key, value) => (key === 'asOf' || key === 'description' ? undefined : value));
    } finally {
      await h.close();
    }
  }

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: { DATA_DIR: dir.path } });
    return { code, out, err };
  }

  beforeAll(async () => {
    dir = await tempDir('audit-cli');
    const h = await startHarness(dir);
    const { token } = await h.tenantWithToken('acme');
    const user = await h.scim(token, 'POST', '/tenants/acme/scim/v2/Users', { schemas: [USER_SCHEMA], userName: 'carol@acme.test' });
    const group = await h.scim(token, 'POST', '/tenants/acme/scim/v2/Groups', { schemas: [GROUP_SCHEMA], displayName: 'ops', members: [{ value: user.body.id }] });
    await h.scim(token, 'PATCH', `/tenants/acme/scim/v2/Users/${user.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'SRE' }],
    });
    await h.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
    settled = new Date().toISOString();
    asked = questions(user.body.id, group.body.id);
    answersBefore = await ask();
  });

  afterAll(async () => {
    await dir.remove();
  });

  it('status shows every read model caught up with the log', async () => {
    const status = await cli('projections', 'status');
    expect(status.code).toBe(0);
    for (const name of ['scim-read-model', 'membership-intervals', 'attribute-history', 'changes-index', 'user-activity', 'auditors']) {
      expect(status.out).toMatch(new RegExp(`${name}\\s+\\d+\\s+0\\n`));
    }
  });

  it('rebuild replays the log into every read model, printing progress, and the audit answers are unchanged', async () => {
    const rebuilt = await cli('projections', 'rebuild');
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.out).toMatch(/scim-read-model: rebuilt from \d+ events/);
    expect(rebuilt.out).toMatch(/audit \(membership-intervals, .*\): rebuilt from \d+ events/);
    // On the SQLite log the changes index is copied from it by SQL, beside the SCIM replay.
    expect(rebuilt.out).toMatch(/changes-index \(copied from the log by SQL\): rebuilt from \d+ events/);
    expect(rebuilt.out).toContain('(100.0%)');
    expect(await ask()).toEqual(answersBefore);
  });

  it('rebuilds one projection alone, and refuses an unknown one', async () => {
    const one = await cli('projections', 'rebuild', '--only', 'membership-intervals');
    expect(one.code).toBe(0);
    expect(one.out).not.toContain('scim-read-model');
    expect((await cli('projections', 'rebuild', '--only', 'bogus')).code).toBe(64);
    expect(await ask()).toEqual(answersBefore);
  });

  it('refuses to rebuild while another process has DATA_DIR open, before changing anything', async () => {
    // Stands in for the running service: a process holding an idle connection, which SQLite cannot see.
    const holder = spawn(process.execPath, ['-e', "new (require('better-sqlite3'))(process.argv[1]); console.log('open'); setInterval(() => {}, 1000)", join(dir.path, 'read-model.sqlite')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(holder.stdout!, 'data');
      const refused = await cli('projections', 'rebuild');
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('the service (or another process) has DATA_DIR open; stop it before a rebuild');
      expect(refused.err).toContain(`process ${holder.pid}`);
      expect(refused.out).not.toContain('position');
    } finally {
      holder.kill();
      await once(holder, 'exit');
    }
    expect(await ask()).toEqual(answersBefore);
  });

  it('says to stop the service when SQLite reports the database locked during a rebuild', async () => {
    // In this process, so the /proc check passes it by and SQLite's own lock is what is met.
    const writer = new Database(join(dir.path, 'audit.sqlite'));
    writer.exec('BEGIN IMMEDIATE');
    try {
      const locked = await cli('projections', 'rebuild', '--only', 'audit');
      expect(locked.code).toBe(1);
      expect(locked.err).toContain('the service (or another process) has DATA_DIR open; stop it before a rebuild, then run the rebuild again');
      expect(locked.err).toContain('database is locked');
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
    expect(await ask()).toEqual(answersBefore);
  });

  it('a lost audit.sqlite is rebuilt from the log when the service starts', async () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir.path, `audit.sqlite${suffix}`), { force: true });
    expect(await ask()).toEqual(answersBefore);
  });

  it('a lost changes index (audit-changes.sqlite) is rebuilt from the log when the service starts', async () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir.path, `audit-changes.sqlite${suffix}`), { force: true });
    expect(await ask()).toEqual(answersBefore);
  });

  it('rebuilds the changes index alone, by the SQL copy, and the answers are unchanged', async () => {
    const one = await cli('projections', 'rebuild', '--only', 'changes-index');
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/changes-index \(copied from the log by SQL\): rebuilt from \d+ events/);
    expect(one.out).not.toContain('audit (');
    expect(await ask()).toEqual(answersBefore);
  });
});
