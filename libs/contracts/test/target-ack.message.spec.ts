import { parseTargetAck, validateTargetAck } from '@ledger/contracts';

const AT = '2026-03-03T10:00:00Z';
const anAck = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  targetId: 'github',
  caseId: 'leaver-1',
  outcome: 'applied',
  at: AT,
  ...overrides,
});

describe('validateTargetAck', () => {
  it('accepts a minimal ack', () => {
    expect(validateTargetAck(anAck())).toBeNull();
  });

  it.each([
    ['an array', [], 'ack must be a JSON object'],
    ['null', null, 'ack must be a JSON object'],
    ['no targetId', anAck({ targetId: undefined }), 'targetId is required'],
    ['an empty targetId', anAck({ targetId: '' }), 'targetId must be a non-empty string'],
    ['a targetId with blanks', anAck({ targetId: 'git hub' }), 'targetId must not contain whitespace or control characters'],
    ['a very long caseId', anAck({ caseId: 'x'.repeat(201) }), 'caseId is longer than 200 characters'],
    ['neither caseId nor eventId', anAck({ caseId: undefined }), 'one of eventId or caseId is required'],
    ['an unknown outcome', anAck({ outcome: 'done' }), 'outcome must be one of applied, failed, skipped'],
    ['a date without time', anAck({ at: '2026-03-03' }), 'at must be an ISO-8601 timestamp with a time zone'],
    ['a local time', anAck({ at: '2026-03-03T10:00:00' }), 'at must be an ISO-8601 timestamp with a time zone'],
    ['an impossible date', anAck({ at: '2026-13-45T10:00:00Z' }), 'at must be an ISO-8601 timestamp with a time zone'],
    ['a detail that is not text', anAck({ detail: { code: 1 } }), 'detail must be a string'],
    ['a tenant with a colon', anAck({ tenant: 'a:b' }), 'tenant must be a non-empty string without whitespace, ":" or "/"'],
  ])('rejects %s', (_, value, reason) => {
    expect(validateTargetAck(value)).toBe(reason);
  });
});

describe('parseTargetAck', () => {
  it('takes the tenant from the key when the body has none', () => {
    expect(parseTargetAck(Buffer.from(JSON.stringify(anAck())), Buffer.from('acme'))).toEqual({
      ok: true,
      tenant: 'acme',
      ack: { targetId: 'github', caseId: 'leaver-1', outcome: 'applied', at: AT },
    });
  });

  it('drops fields the contract does not know', () => {
    const sut = parseTargetAck(JSON.stringify(anAck({ tenant: 'acme', vendorField: 1, detail: 'ok' })), null);
    expect(sut).toEqual({ ok: true, tenant: 'acme', ack: { targetId: 'github', caseId: 'leaver-1', outcome: 'applied', at: AT, detail: 'ok' } });
  });

  it.each([
    ['no value', null, 'acme', 'message has no value'],
    ['a value that is not JSON', '{', 'acme', /^value is not JSON/],
    ['no tenant at all', JSON.stringify(anAck()), null, 'tenant is missing: set the tenant field or key the message by tenant'],
    ['a key that disagrees with the body', JSON.stringify(anAck({ tenant: 'globex' })), 'acme', 'tenant field "globex" does not match the message key "acme"'],
    ['a key that cannot be a tenant', JSON.stringify(anAck()), 'a/b', 'tenant in the message key must not contain whitespace, ":" or "/"'],
    ['an oversized message', JSON.stringify(anAck({ detail: 'x'.repeat(70_000) })), 'acme', 'message is larger than 65536 bytes'],
  ])('explains %s', (_, value, key, reason) => {
    const sut = parseTargetAck(value, key);
    expect(sut.ok).toBe(false);
    expect(sut.ok ? null : sut.reason).toEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason));
  });
});
