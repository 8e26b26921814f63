import { EsdbStandIn, type RunningEsdbStandIn } from '../../../libs/testing/src/esdb';
import { PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

/**
 * The SCIM service on the EventStoreDB adapter (EVENT_STORE_URL=esdb://...), through the real
 * client. Against a live server when EVENTSTORE_CONNECTION_STRING is set; otherwise against the
 * in-process stand-in, which models the protocol subset the adapter uses, not a real server.
 */
describe('SCIM uniqueness and concurrency on the EventStoreDB adapter', () => {
  let standIn: RunningEsdbStandIn | null = null;
  let h: Harness;
  let token: string;
  const base = '/tenants/esdbco/scim/v2';

  beforeAll(async () => {
    let url = process.env['EVENTSTORE_CONNECTION_STRING'];
    if (!url) {
      standIn = await new EsdbStandIn().start();
      url = standIn.connectionString;
      process.stdout.write('SCIM on EventStoreDB: running against the in-process stand-in, not a real server\n');
    }
    h = await startHarness(undefined, { env: { EVENT_STORE_URL: url } });
    ({ token } = await h.tenantWithToken('esdbco'));
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await standIn?.stop();
  });

  it('gives exactly one 201 and 49 409 uniqueness for 50 concurrent POSTs of one userName', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, n) => h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'race@esdb.com', externalId: `e-${n}` })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const listed = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName eq "RACE@esdb.com"')}`);
    expect(listed.body.totalResults).toBe(1);
  }, 60_000);

  it('lets one of several PATCHes pinned to the same version win, and answers the others 412', async () => {
    const created = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'pinned@esdb.com' });
    const version = created.body.meta.version;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        h.scim(token, 'PATCH', `${base}/Users/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `t${n}` }] }, { 'if-match': version }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412 || s === 409)).toHaveLength(9);
  }, 60_000);

  it('frees a userName on rename and delete, across the claim streams', async () => {
    const first = await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'old@esdb.com', externalId: 'x-1' });
    const renamed = await h.scim(token, 'PATCH', `${base}/Users/${first.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'new@esdb.com' }] });
    expect(renamed.status).toBe(200);
    expect((await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'old@esdb.com' })).status).toBe(201);
    expect((await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'other@esdb.com', externalId: 'x-1' })).status).toBe(409);
    expect((await h.scim(token, 'DELETE', `${base}/Users/${first.body.id}`)).status).toBe(204);
    expect((await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'new@esdb.com', externalId: 'x-1' })).status).toBe(201);
  }, 60_000);
});
