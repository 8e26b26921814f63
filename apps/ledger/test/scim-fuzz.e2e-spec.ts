import fc from 'fast-check';
import { evolveGroup, evolveUser, initialGroup, initialUser, streamCategory, type GroupEvent, type UserEvent } from '@ledger/domain';
import { verifyStreamChain, type EventStore, type RecordedEvent } from '@ledger/eventstore';
import { EVENT_STORE } from '../src/infrastructure/tokens';
import { PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
jest.setTimeout(Math.max(30_000, RUNS * 200));

/** SCIM-ish garbage: real attribute names and operators mixed with arbitrary JSON. */
const attributeName = fc.constantFrom('userName', 'active', 'name', 'name.givenName', 'emails', 'emails[type eq "work"].value', 'members', 'members[value eq "x"]',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', 'externalId', 'id', 'meta', 'groups', 'password', 'displayName', '', '[', 'a.b.c.d', 'émails');
const scimValue = fc.oneof(fc.jsonValue(), fc.constantFrom('True', 'False', null, [], {}, [{ value: 'x' }], { givenName: 1 }));
const patchOperation = fc.record({
  op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'delete'), fc.string()),
  path: fc.option(fc.oneof(attributeName, fc.string()), { nil: undefined }),
  value: fc.option(fc.oneof(scimValue, fc.dictionary(attributeName, scimValue)), { nil: undefined }),
}, { requiredKeys: [] });
const userBody = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(attributeName, scimValue).map((attributes) => ({ schemas: [USER_SCHEMA], ...attributes })),
  fc.record({ schemas: fc.constant([USER_SCHEMA]), userName: fc.oneof(fc.string(), scimValue), active: scimValue, emails: scimValue }),
);
const filterText = fc.oneof(
  fc.string(),
  fc.tuple(attributeName, fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'pr', 'gt', 'ge', 'lt', 'le', 'xx'), fc.oneof(fc.string(), fc.integer(), fc.constant('"x"')))
    .map(([a, op, v]) => `${a} ${op} ${typeof v === 'string' && !v.startsWith('"') ? JSON.stringify(v) : v}`),
  fc.array(fc.constantFrom('(', ')', 'and', 'or', 'not', 'userName', 'eq', '"a"', '[', ']', 'emails', 'type', 'pr'), { maxLength: 12 }).map((t) => t.join(' ')),
);

describe('fuzzing the SCIM API with malformed bodies, filters and paths', () => {
  let h: Harness;
  let token: string;
  let userId: string;
  let groupId: string;
  const base = '/tenants/fuzz/scim/v2';
  const statuses: number[] = [];

  beforeAll(async () => {
    h = await startHarness();
    ({ token } = await h.tenantWithToken('fuzz'));
    userId = (await h.scim(token, 'POST', `${base}/Users`, { schemas: [USER_SCHEMA], userName: 'target@fuzz.com' })).body.id;
    groupId = (await h.scim(token, 'POST', `${base}/Groups`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'target', members: [{ value: userId }] })).body.id;
  });
  afterAll(async () => {
    await h.close();
  });

  const noServerError = (response: { status: number; body: unknown }) => {
    statuses.push(response.status);
    if (response.status >= 500) throw new Error(`server error ${response.status}: ${JSON.stringify(response.body)}`);
    if (response.status >= 400 && (response.body as { schemas?: string[] })?.schemas?.[0] !== 'urn:ietf:params:scim:api:messages:2.0:Error') {
      throw new Error(`error ${response.status} without a SCIM error body: ${JSON.stringify(response.body)}`);
    }
  };

  it('never answers 5xx to random POST bodies', async () => {
    await fc.assert(fc.asyncProperty(userBody, async (body) => noServerError(await h.scim(token, 'POST', `${base}/Users`, body))), { numRuns: RUNS });
  });

  it('never answers 5xx to random PATCH requests on users and groups', async () => {
    const body = fc.oneof(fc.jsonValue(), fc.array(patchOperation, { maxLength: 4 }).map((Operations) => ({ schemas: [PATCH_OP], Operations })));
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (patch, onGroup) => {
        noServerError(await h.scim(token, 'PATCH', onGroup ? `${base}/Groups/${groupId}` : `${base}/Users/${userId}`, patch));
      }),
      { numRuns: RUNS },
    );
  });

  it('answers every filter with 200 or a 400 invalidFilter', async () => {
    await fc.assert(
      fc.asyncProperty(filterText, async (filter) => {
        const response = await h.scim(token, 'GET', `${base}/Users?filter=${encodeURIComponent(filter)}`);
        noServerError(response);
        if (response.status !== 200) expect(response.body.scimType).toMatch(/invalidFilter|invalidValue/);
      }),
      { numRuns: RUNS },
    );
  });

  it('never answers 5xx to random Bulk requests and raw bytes', async () => {
    const bulk = fc.record({
      schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:BulkRequest']),
      failOnErrors: fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined }),
      Operations: fc.array(fc.record({ method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'), path: fc.constantFrom('/Users', '/Groups', `/Users/${'x'}`, '/Nope', 'bulkId:a'), bulkId: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }), data: fc.option(userBody, { nil: undefined }) }), { maxLength: 4 }),
    });
    await fc.assert(fc.asyncProperty(bulk, async (body) => noServerError(await h.scim(token, 'POST', `${base}/Bulk`, body))), { numRuns: 60 });
    await fc.assert(fc.asyncProperty(fc.string(), async (text) => noServerError(await h.scim(token, 'POST', `${base}/Users`, text))), { numRuns: 60 });
  });

  it('leaves only valid events in the log: every stream folds, every chain verifies', async () => {
    expect(statuses.some((s) => s >= 400)).toBe(true);
    const store = h.ledger.app.get<EventStore>(EVENT_STORE);
    const events: RecordedEvent[] = [];
    for (let after = 0n; ; ) {
      const batch = await store.readAll({ after, maxCount: 5000 });
      if (batch.length === 0) break;
      events.push(...batch);
      after = batch[batch.length - 1]!.position;
    }
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
    for (const [streamId, stream] of byStream) {
      expect(verifyStreamChain(stream)).toMatchObject({ ok: true });
      const category = streamCategory(streamId);
      if (category === 'user') {
        const user = stream.reduce((s, e) => evolveUser(s, e as unknown as UserEvent), initialUser);
        if (user.status === 'absent') throw new Error(`${streamId} folds to nothing`);
        expect(typeof user.userName).toBe('string');
        expect(user.userName.trim()).not.toBe('');
        expect(typeof user.active).toBe('boolean');
        expect(JSON.stringify(user.attributes)).not.toMatch(/"password"/);
      }
      if (category === 'group') {
        const group = stream.reduce((s, e) => evolveGroup(s, e as unknown as GroupEvent), initialGroup);
        if (group.status === 'absent') throw new Error(`${streamId} folds to nothing`);
        expect(typeof group.displayName).toBe('string');
        for (const member of group.members.values()) expect(typeof member.value).toBe('string');
      }
    }
  });
});
