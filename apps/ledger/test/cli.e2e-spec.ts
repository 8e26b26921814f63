import { tempDir } from '@ledger/testing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/run-cli';
import { startHarness, type Harness } from './ledger-harness';

describe('the CLI, for people who live in a terminal', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function cliWith(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (line) => (out += `${line}\n`), err: (line) => (err += `${line}\n`), env });
    return { code, out, err };
  }
  const cli = (...argv: string[]) => cliWith({ LEDGER_URL: h.url, ADMIN_TOKEN: h.ledger.adminToken }, ...argv);

  it('creates a tenant, issues a token that works for SCIM, lists and revokes it', async () => {
    expect((await cli('tenants', 'create', '--id', 'globex', '--name', 'Globex')).code).toBe(0);
    expect((await cli('tenants', 'list')).out).toContain('globex\tactive\tGlobex');

    const issued = await cli('tokens', 'create', '--tenant', 'globex', '--name', 'okta-prod', '--idp', 'okta');
    expect(issued.code).toBe(0);
    const secret = /secret \(shown once\): (scim_\S+)/.exec(issued.out)![1]!;
    const tokenId = /token id: (\S+)/.exec(issued.out)![1]!;
    expect((await h.scim(secret, 'GET', '/tenants/globex/scim/v2/Users')).status).toBe(200);

    const listed = await cli('tokens', 'list', '--tenant', 'globex');
    expect(listed.out).toContain(`${tokenId}\tokta-prod\tokta\tactive`);
    expect(listed.out).not.toContain(secret);

    expect((await cli('tokens', 'revoke', '--tenant', 'globex', '--id', tokenId)).code).toBe(0);
    expect((await h.scim(secret, 'GET', '/tenants/globex/scim/v2/Users')).status).toBe(401);
  });

  it('explains a missing flag and an unknown command', async () => {
    const missing = await cli('tenants', 'create');
    expect(missing.code).toBe(64);
    expect(missing.err).toContain('--id is required');
    expect((await cli('frobnicate')).code).toBe(64);
  });

  it('prints help on --help, -h and help, exiting 0, and says where the URL and admin token come from', async () => {
    for (const asked of [['--help'], ['-h'], ['help'], ['tenants', 'create', '--help']]) {
      const help = await cliWith({}, ...asked);
      expect(help.code).toBe(0);
      expect(help.out).toContain('usage: scim-ledger <command>');
      expect(help.out).toContain('tenants create --id acme');
      for (const source of ['--url', 'LEDGER_URL', 'PORT', '--admin-token', 'ADMIN_TOKEN', '<DATA_DIR>/admin-token', '--data-dir']) expect(help.out).toContain(source);
    }
  });

  it('names an unknown command first, with the closest one, then prints the usage', async () => {
    const typo = await cli('tenants', 'lst');
    expect(typo.code).toBe(64);
    expect(typo.err.split('\n')[0]).toBe("error: unknown command 'tenants lst'; did you mean 'tenants list'?");
    expect(typo.err).toContain('usage: scim-ledger <command>');

    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(64);
    expect(unknown.err.split('\n')[0]).toBe("error: unknown command 'frobnicate'");
    expect((await cli('tenants')).err).toContain("'tenants' needs a subcommand: tenants create, tenants list");
  });

  it('refuses a flag or argument the command does not take, naming it', async () => {
    const json = await cli('tenants', 'list', '--json');
    expect(json.code).toBe(64);
    expect(json.err).toContain("unknown flag --json for 'tenants list'");
    const extra = await cli('tokens', 'list', '--tenant', 'globex', 'extra');
    expect(extra.code).toBe(64);
    expect(extra.err).toContain("unexpected argument 'extra'");
    expect((await cli('tenants', 'suspend', '--id', 'globex', '--resume', 'yes')).err).toContain('--resume takes no value');
    expect((await cli('tenants', 'create', '--id')).err).toContain('--id needs a value');
  });

  it('finds the service and the admin token from flags as well as from the environment, and never prints the token', async () => {
    const dataDir = await tempDir('cli-admin-token');
    try {
      writeFileSync(join(dataDir.path, 'admin-token'), `${h.ledger.adminToken}\n`);
      const fromDataDir = await cliWith({}, 'tenants', 'list', '--url', h.url, '--data-dir', dataDir.path);
      expect(fromDataDir.code).toBe(0);
      expect((await cliWith({ DATA_DIR: dataDir.path, LEDGER_URL: h.url }, 'tenants', 'list')).code).toBe(0);
      const fromFlag = await cliWith({}, 'tenants', 'list', '--url', h.url, '--admin-token', h.ledger.adminToken);
      expect(fromFlag.code).toBe(0);
      for (const run of [fromDataDir, fromFlag]) expect(run.out + run.err).not.toContain(h.ledger.adminToken);
    } finally {
      await dataDir.remove();
    }

    const none = await cliWith({}, 'tenants', 'list', '--url', h.url, '--data-dir', '/nonexistent-ledger-data');
    expect(none.code).toBe(1);
    expect(none.err).toContain('no admin token: --admin-token is not given, ADMIN_TOKEN is not set, and /nonexistent-ledger-data/admin-token does not exist');
    expect(none.err).toContain('--data-dir');

    const wrongPort = await cliWith({ ADMIN_TOKEN: h.ledger.adminToken, PORT: '9' }, 'tenants', 'list');
    expect(wrongPort.err).toContain('cannot reach the service at http://127.0.0.1:9 (from PORT');
    expect(wrongPort.err).not.toContain(h.ledger.adminToken);
  });

  it('sets and clears a token expiry', async () => {
    expect((await cli('tenants', 'create', '--id', 'hooli')).code).toBe(0);
    const issued = await cli('tokens', 'create', '--tenant', 'hooli', '--name', 'entra', '--idp', 'entra');
    const secret = /secret \(shown once\): (scim_\S+)/.exec(issued.out)![1]!;
    const tokenId = /token id: (\S+)/.exec(issued.out)![1]!;

    const expired = await cli('tokens', 'expiry', '--tenant', 'hooli', '--id', tokenId, '--expires-at', '2020-01-01T00:00:00Z');
    expect(expired.code).toBe(0);
    expect(expired.out).toContain(`${tokenId}: expires 2020-01-01T00:00:00`);
    expect((await h.scim(secret, 'GET', '/tenants/hooli/scim/v2/Users')).status).toBe(401);

    expect((await cli('tokens', 'expiry', '--tenant', 'hooli', '--id', tokenId, '--expires-at', 'null')).out).toContain(`${tokenId}: never expires`);
    expect((await h.scim(secret, 'GET', '/tenants/hooli/scim/v2/Users')).status).toBe(200);

    const bad = await cli('tokens', 'expiry', '--tenant', 'hooli', '--id', tokenId, '--expires-at', 'tomorrow');
    expect(bad.code).toBe(64);
    expect(bad.err).toContain("--expires-at must be an ISO-8601 time");
    expect((await cli('tokens', 'create', '--tenant', 'hooli', '--name', 'x', '--idp', 'okta', '--expires', 'tomorrow')).err).toContain('--expires must be an ISO-8601 time');
  });

  it('issues an auditor token that works on the audit API, lists it without the secret, and revokes it', async () => {
    expect((await cli('tenants', 'create', '--id', 'initrode')).code).toBe(0);
    const issued = await cli('auditors', 'issue', '--tenant', 'initrode', '--name', 'external audit');
    expect(issued.code).toBe(0);
    const secret = /secret \(shown once\): (aud_\S+)/.exec(issued.out)![1]!;
    const auditorId = /auditor id: (\S+)/.exec(issued.out)![1]!;
    expect((await h.scim(secret, 'GET', '/tenants/initrode/audit/changes')).status).toBe(200);

    const listed = await cli('auditors', 'list', '--tenant', 'initrode');
    expect(listed.out).toContain(`${auditorId}\texternal audit\t`);
    expect(listed.out).not.toContain(secret);

    expect((await cli('auditors', 'revoke', '--tenant', 'initrode', '--id', auditorId)).code).toBe(0);
    expect((await h.scim(secret, 'GET', '/tenants/initrode/audit/changes')).status).toBe(401);
  });
});
