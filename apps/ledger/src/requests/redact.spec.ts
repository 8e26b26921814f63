import { REDACTED, ledgerBody, ledgerQuery, redactSecrets } from './redact';

describe('request body redaction', () => {
  it('hides passwords in a POST body at any depth, keeping everything else', () => {
    expect(redactSecrets({ userName: 'a', password: 'S3cret', nested: { clientSecret: 'x', keep: 1 } })).toEqual({
      userName: 'a', password: REDACTED, nested: { clientSecret: REDACTED, keep: 1 },
    });
  });

  it('hides the value of a PATCH operation whose path is the password', () => {
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [
      { op: 'replace', path: 'password', value: 'n3w-S3cret' },
      { op: 'replace', value: { password: 'other', active: false } },
      { op: 'replace', path: 'title', value: 'CFO' },
    ] };
    const text = JSON.stringify(redactSecrets(body));
    expect(text).not.toContain('n3w-S3cret');
    expect(text).not.toContain('other');
    expect(text).toContain('CFO');
  });

  it('keeps a large body as a summary with the hash of the full redacted body', () => {
    const members = Array.from({ length: 10_000 }, (_, n) => ({ value: `member-${n}` }));
    const kept = ledgerBody({ Operations: [{ op: 'add', path: 'members', value: members }] });
    expect(kept.truncated).toBe(true);
    expect(kept.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(kept.body).length).toBeLessThan(2000);
    expect(JSON.stringify(kept.body)).toContain('"items":10000');
  });

  it('hides a token sent in the query string, by its parameter name or by its shape, keeping the rest', () => {
    const token = `scim_${'A'.repeat(43)}`;
    expect(ledgerQuery(`filter=userName%20eq%20%22a%22&access_token=${token}`)).toBe('filter=userName%20eq%20%22a%22&access_token=%5BREDACTED%5D');
    expect(ledgerQuery(`key=${encodeURIComponent(`Bearer ${token}`)}&count=5`)).toBe(`key=${encodeURIComponent('Bearer [REDACTED]')}&count=5`);
    expect(ledgerQuery('Password=x&startIndex=1')).toBe('Password=%5BREDACTED%5D&startIndex=1');
    expect(ledgerQuery('count=10&attributes=userName')).toBe('count=10&attributes=userName');
    expect(ledgerQuery('bad=%E0%A4%A')).toBe('bad=%E0%A4%A');
  });
});
