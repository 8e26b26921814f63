import { Kafka, logLevel as KafkaJsLogLevel, type LogEntry, type RetryOptions } from 'kafkajs';
import type { KafkaConfig, KafkaLogLevel } from './kafka.config';

export interface KafkaLogRecord {
  level: Exclude<KafkaLogLevel, 'nothing'>;
  namespace: string;
  message: string;
  extra: Record<string, unknown>;
}

export type KafkaLogSink = (record: KafkaLogRecord) => void;

export interface KafkaClientOptions {
  /** Where kafkajs logs go; default one JSON line per entry on stderr. */
  log?: KafkaLogSink;
  /**
   * Retries inside one kafkajs call. Kept short on purpose: the relay and the ack consumer retry
   * around these calls themselves, and a call that gives up is what makes an outage visible in
   * their status instead of a send that hangs for minutes.
   */
  retry?: RetryOptions;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const LEVELS: Record<KafkaLogLevel, KafkaJsLogLevel> = {
  nothing: KafkaJsLogLevel.NOTHING,
  error: KafkaJsLogLevel.ERROR,
  warn: KafkaJsLogLevel.WARN,
  info: KafkaJsLogLevel.INFO,
  debug: KafkaJsLogLevel.DEBUG,
};

const NAMES: Partial<Record<KafkaJsLogLevel, KafkaLogRecord['level']>> = {
  [KafkaJsLogLevel.ERROR]: 'error',
  [KafkaJsLogLevel.WARN]: 'warn',
  [KafkaJsLogLevel.INFO]: 'info',
  [KafkaJsLogLevel.DEBUG]: 'debug',
};

/**
 * Warnings that describe choices made on purpose here:
 * - finite retries on the idempotent producer: the relay retries the batch itself and consumers
 *   de-duplicate by ce_id, so a duplicate after a give-up is expected, not a broken guarantee;
 * - the v2 partitioner notice: the Java-compatible partitioner is chosen explicitly.
 */
const EXPECTED_WARNINGS = [/Limiting retries for the idempotent producer/, /KafkaJS v2\.0\.0 switched default partitioner/];

const stderrSink: KafkaLogSink = (record) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
};

export function createKafkaClient(config: Pick<KafkaConfig, 'brokers' | 'clientId' | 'logLevel'>, options: KafkaClientOptions = {}): Kafka {
  const sink = options.log ?? stderrSink;
  return new Kafka({
    brokers: config.brokers,
    clientId: config.clientId,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    logLevel: LEVELS[config.logLevel ?? 'warn'],
    logCreator: () => (entry: LogEntry) => {
      const level = NAMES[entry.level];
      if (!level) return;
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry.log;
      if (EXPECTED_WARNINGS.some((pattern) => pattern.test(message))) return;
      sink({ level, namespace: entry.namespace, message, extra });
    },
  });
}
