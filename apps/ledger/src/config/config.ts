import { isAbsolute, resolve } from 'node:path';

export interface LedgerConfig {
  port: number;
  host: string;
  dataDir: string;
  eventStoreUrl: string | null;
  kafkaBrokers: string[];
  adminToken: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest SCIM request body accepted, in bytes; larger ones get 413. */
  maxBodyBytes: number;
  /** Ed25519 private key signing transparency checkpoints; generated (mode 0600) when missing. */
  ledgerKeyFile: string;
  /** Checkpoint origin line and signing key name: unique per deployment, e.g. ledger.example.com. */
  ledgerOrigin: string;
  /** Seconds between scheduled checkpoints (signed only when the log grew); 0 turns the schedule off. */
  checkpointIntervalSeconds: number;
  /**
   * Which background work this process runs besides HTTP (deploy/README.md, "The roles"): `api`
   * none of the once-per-cluster work, `projector` the Kafka relay and acknowledgement consumer,
   * `timers` the SLA timers and alert delivery, `all` (one process) everything.
   */
  role: LedgerRole;
  /**
   * Scheme, host and optional path prefix the IdPs use to reach this service (behind a proxy or
   * load balancer), e.g. https://scim.example.com. Locations and $refs are built from it; when
   * unset, from the request's Host and X-Forwarded-* headers.
   */
  publicBaseUrl: string | null;
}

export const LEDGER_ROLES = ['all', 'api', 'projector', 'timers'] as const;
export type LedgerRole = (typeof LEDGER_ROLES)[number];

/** Whether this process runs the Kafka relay and acknowledgement consumer. */
export const runsKafka = (config: Pick<LedgerConfig, 'role'>): boolean => config.role === 'all' || config.role === 'projector';
/** Whether this process runs the SLA timers and alert delivery. */
export const runsSlaTimers = (config: Pick<LedgerConfig, 'role'>): boolean => config.role === 'all' || config.role === 'timers';

/** A configuration value that cannot work: the service stops with this one line. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const dataDir = env['DATA_DIR']?.trim() || './data';
  const eventStoreUrl = env['EVENT_STORE_URL']?.trim() || null;
  if (eventStoreUrl && !/^(esdb(\+discover)?:\/\/|sqlite:)/.test(eventStoreUrl)) {
    throw new ConfigError('EVENT_STORE_URL', `must start with esdb:// or esdb+discover:// (got "${eventStoreUrl.split('?')[0]}")`);
  }
  const kafkaBrokers = (env['KAFKA_BROKERS'] ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of kafkaBrokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) throw new ConfigError('KAFKA_BROKERS', `must be a comma-separated list of host:port (bad entry "${broker}")`);
  }
  const adminToken = env['ADMIN_TOKEN']?.trim() || null;
  if (adminToken !== null && adminToken.length < 16) throw new ConfigError('ADMIN_TOKEN', 'must be at least 16 characters');
  const logLevel = (env['LOG_LEVEL']?.trim() || 'info') as LedgerConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const role = (env['LEDGER_ROLE']?.trim() || 'all') as LedgerRole;
  if (!LEDGER_ROLES.includes(role)) throw new ConfigError('LEDGER_ROLE', `must be one of ${LEDGER_ROLES.join(', ')} (got "${role}")`);
  return {
    port,
    host: env['HOST']?.trim() || '0.0.0.0',
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(dataDir),
    eventStoreUrl,
    kafkaBrokers,
    adminToken,
    logLevel,
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 10 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    ledgerKeyFile: resolve(env['LEDGER_KEY_FILE']?.trim() || resolve(dataDir, 'ledger-signing-key.pem')),
    ledgerOrigin: ledgerOrigin(env),
    checkpointIntervalSeconds: integer(env, 'CHECKPOINT_INTERVAL_SECONDS', 300, 0, 7 * 24 * 3600),
    role,
    publicBaseUrl: publicBaseUrl(env),
  };
}

function publicBaseUrl(env: NodeJS.ProcessEnv): string | null {
  const raw = env['PUBLIC_BASE_URL']?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_BASE_URL', `must be an absolute http(s) URL such as https://scim.example.com (got "${raw}")`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_BASE_URL', `must be an http(s) URL without credentials, query or fragment (got "${raw}")`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A whole-number variable within bounds, or its default when unset; shared by every config loader. */
export function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

/** A signed-note key name: no spaces, no '+'. */
function ledgerOrigin(env: NodeJS.ProcessEnv): string {
  const origin = env['LEDGER_ORIGIN']?.trim() || 'scim-ledger';
  if (origin.length > 255 || /[\s+]/u.test(origin)) throw new ConfigError('LEDGER_ORIGIN', `must be a name without spaces or "+", such as ledger.example.com (got "${origin}")`);
  return origin;
}
