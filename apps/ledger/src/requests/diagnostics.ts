import type { RequestRow, TokenRow, TokenUsage } from '@ledger/projections';

/** Field rule of thumb for SCIM sync health: 99% and above is healthy, below 95% an incident. */
export function healthOf(successRate: number | null): 'healthy' | 'degraded' | 'incident' | 'idle' {
  if (successRate === null) return 'idle';
  if (successRate >= 0.99) return 'healthy';
  if (successRate >= 0.95) return 'degraded';
  return 'incident';
}

export interface Tally {
  requests: number;
  succeeded: number;
  successRate: number | null;
  health: ReturnType<typeof healthOf>;
  byStatus: Record<string, number>;
  byScimType: Record<string, number>;
  authFailures: Record<string, number>;
  wrongTenantAttempts: number;
  lastSuccess: { at: string; requestId: string } | null;
  lastFailure: { at: string; requestId: string; status: number; scimType: string | null; detail: string | null } | null;
}

/** Counts for one set of requests; `rows` newest first. A 2xx or 3xx answer counts as success. */
export function tally(rows: RequestRow[]): Tally {
  const result: Tally = {
    requests: rows.length, succeeded: 0, successRate: null, health: 'idle', byStatus: {}, byScimType: {},
    authFailures: {}, wrongTenantAttempts: 0, lastSuccess: null, lastFailure: null,
  };
  for (const row of rows) {
    result.byStatus[row.status] = (result.byStatus[row.status] ?? 0) + 1;
    if (row.scimType) result.byScimType[row.scimType] = (result.byScimType[row.scimType] ?? 0) + 1;
    if (row.authFailure) result.authFailures[row.authFailure] = (result.authFailures[row.authFailure] ?? 0) + 1;
    if (row.authFailure === 'wrong_tenant') result.wrongTenantAttempts++;
    if (row.status < 400) {
      result.succeeded++;
      result.lastSuccess ??= { at: row.at, requestId: row.requestId };
    } else {
      result.lastFailure ??= { at: row.at, requestId: row.requestId, status: row.status, scimType: row.scimType, detail: row.detail };
    }
  }
  result.successRate = rows.length === 0 ? null : Math.round((result.succeeded / rows.length) * 10_000) / 10_000;
  result.health = healthOf(result.successRate);
  return result;
}

export function tokenSummary(token: TokenRow, usage: TokenUsage) {
  const { secretHash: _hash, tokenId, ...rest } = token;
  return { id: tokenId, ...rest, ...usage };
}
