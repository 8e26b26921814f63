import { InvalidCommand, ResourceNotFound, auditorDecider, type AuditorEvent } from '@ledger/domain';
import { T0, T1, deciderSpec } from '@ledger/testing';

const given = deciderSpec(auditorDecider);
const HASH = 'a'.repeat(64);
const issue = (overrides: Partial<{ name: string; secretHash: string }> = {}) => ({
  type: 'IssueAuditor' as const, auditorId: 'aud-1', tenantId: 'acme', name: 'q1-review', secretHash: HASH, hint: 'aud_abcde', at: T0, ...overrides,
});
const issued: AuditorEvent = {
  type: 'AuditorIssued',
  data: { auditorId: 'aud-1', tenantId: 'acme', name: 'q1-review', secretHash: HASH, hint: 'aud_abcde', at: T0 },
};
const revoke = (tenantId = 'acme') => ({ type: 'RevokeAuditor' as const, auditorId: 'aud-1', tenantId, at: T1 });

describe('auditor decider', () => {
  it('issues an auditor credential recording only the secret hash', () => given([]).when(issue()).then([issued]));

  it('refuses a credential without a name', () => given([]).when(issue({ name: ' ' })).thenThrows(InvalidCommand));

  it('refuses anything but a sha256 digest as the stored secret', () =>
    given([]).when(issue({ secretHash: 'aud_plaintext' })).thenThrows(InvalidCommand));

  it('revokes an active credential', () =>
    given([issued]).when(revoke()).then([{ type: 'AuditorRevoked', data: { auditorId: 'aud-1', tenantId: 'acme', at: T1 } }]));

  it('revoking twice records nothing the second time', () =>
    given([issued, { type: 'AuditorRevoked', data: { auditorId: 'aud-1', tenantId: 'acme', at: T1 } }]).when(revoke()).then([]));

  it('does not let another tenant revoke the credential', () => given([issued]).when(revoke('globex')).thenThrows(ResourceNotFound));
});
