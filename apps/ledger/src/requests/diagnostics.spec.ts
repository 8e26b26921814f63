import type { RequestRow } from '@ledger/projections';
import { healthOf, tally } from './diagnostics';

const row = (status: number, extra: Partial<RequestRow> = {}): RequestRow => ({
  tenantId: 'acme', requestId: `r-${Math.random()}`, correlationId: 'c', at: '2026-03-03T10:00:00.000Z', method: 'POST', path: '/x',
  status, scimType: null, detail: null, latencyMs: 1, tokenId: 't', idp: 'entra', authFailure: null, tokenTenant: null,
  resourceId: null, eventId: 'e', position: '1', ...extra,
});

describe('sync health diagnostics', () => {
  it('uses the field thresholds: 99% healthy, 95% incident', () => {
    expect(healthOf(0.995)).toBe('healthy');
    expect(healthOf(0.97)).toBe('degraded');
    expect(healthOf(0.9)).toBe('incident');
    expect(healthOf(null)).toBe('idle');
  });

  it('counts statuses, scimTypes and auth failures, and keeps the newest failure', () => {
    const rows = [
      row(409, { scimType: 'uniqueness', detail: 'userName taken', requestId: 'newest-failure' }),
      row(201),
      row(401, { authFailure: 'wrong_tenant', requestId: 'older' }),
      row(200),
    ];
    const result = tally(rows);
    expect(result).toMatchObject({
      requests: 4, succeeded: 2, successRate: 0.5, health: 'incident',
      byStatus: { '409': 1, '201': 1, '401': 1, '200': 1 }, byScimType: { uniqueness: 1 },
      authFailures: { wrong_tenant: 1 }, wrongTenantAttempts: 1,
      lastFailure: { requestId: 'newest-failure', status: 409, scimType: 'uniqueness', detail: 'userName taken' },
    });
  });
});
