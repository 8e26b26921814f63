import { ConfigError, integer } from '../config/config';

export interface SlaConfig {
  /** SLA_TIMERS=off: this replica projects cases and serves the SLA API, but records no breaches and sends no alerts. */
  timers: boolean;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long another replica's overdue alert waits before this one takes it over. */
  leaseMs: number;
  deliveryTimeoutMs: number;
}

/** SLA_TIMERS, SLA_RETRY_BASE_MS, SLA_RETRY_MAX_MS, SLA_DELIVERY_LEASE_MS, SLA_DELIVERY_TIMEOUT_MS. */
export function slaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SlaConfig {
  const timers = (env['SLA_TIMERS']?.trim() || 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(timers)) throw new ConfigError('SLA_TIMERS', `must be on or off (got "${timers}")`);
  const retryBaseMs = integer(env, 'SLA_RETRY_BASE_MS', 1000, 10, 3_600_000);
  return {
    timers: ['on', 'true', '1'].includes(timers),
    retryBaseMs,
    retryMaxMs: integer(env, 'SLA_RETRY_MAX_MS', 300_000, retryBaseMs, 24 * 3_600_000),
    leaseMs: integer(env, 'SLA_DELIVERY_LEASE_MS', 30_000, 100, 3_600_000),
    deliveryTimeoutMs: integer(env, 'SLA_DELIVERY_TIMEOUT_MS', 10_000, 100, 300_000),
  };
}
