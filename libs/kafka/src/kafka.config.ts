export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** Every ledger event, keyed by stream id. */
  eventsTopic: string;
  /** SlaBreached / SlaResolved only, for on-call consumers. */
  alertsTopic: string;
  /** Acknowledgements from downstream targets (see TargetAck in @ledger/contracts). */
  acksTopic: string;
  /** Acks that could not be understood, with the reason in a header. */
  deadLetterTopic: string;
  /** Partitions of the events, alerts and acks topics when this service creates them. */
  partitions: number;
  /** Consumer group of the ack consumer; default `<clientId>-acks`. */
  ackGroupId?: string;
  logLevel?: KafkaLogLevel;
}

export const KAFKA_DEFAULTS = {
  clientId: 'scim-ledger',
  eventsTopic: 'scim-ledger.events',
  alertsTopic: 'scim-ledger.alerts',
  acksTopic: 'scim-ledger.acks',
  deadLetterTopic: 'scim-ledger.acks.dead-letter',
  partitions: 6,
  logLevel: 'warn',
} as const satisfies Omit<KafkaConfig, 'brokers'>;

/**
 * KAFKA_BROKERS turns the relay on (DESIGN.md section 6); null when it is unset. The other
 * variables only rename things: KAFKA_CLIENT_ID, KAFKA_EVENTS_TOPIC, KAFKA_ALERTS_TOPIC,
 * KAFKA_ACKS_TOPIC, KAFKA_DEAD_LETTER_TOPIC, KAFKA_PARTITIONS, KAFKA_ACK_GROUP_ID, KAFKA_LOG_LEVEL.
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConfig | null {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) return null;
  const partitions = env.KAFKA_PARTITIONS ? Number(env.KAFKA_PARTITIONS) : KAFKA_DEFAULTS.partitions;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`KAFKA_PARTITIONS must be a positive integer, got "${env.KAFKA_PARTITIONS}"`);
  }
  const logLevel = (env.KAFKA_LOG_LEVEL ?? KAFKA_DEFAULTS.logLevel) as KafkaLogLevel;
  if (!['nothing', 'error', 'warn', 'info', 'debug'].includes(logLevel)) {
    throw new Error(`KAFKA_LOG_LEVEL must be one of nothing, error, warn, info, debug; got "${logLevel}"`);
  }
  return {
    brokers,
    clientId: env.KAFKA_CLIENT_ID || KAFKA_DEFAULTS.clientId,
    eventsTopic: env.KAFKA_EVENTS_TOPIC || KAFKA_DEFAULTS.eventsTopic,
    alertsTopic: env.KAFKA_ALERTS_TOPIC || KAFKA_DEFAULTS.alertsTopic,
    acksTopic: env.KAFKA_ACKS_TOPIC || KAFKA_DEFAULTS.acksTopic,
    deadLetterTopic: env.KAFKA_DEAD_LETTER_TOPIC || KAFKA_DEFAULTS.deadLetterTopic,
    partitions,
    ackGroupId: env.KAFKA_ACK_GROUP_ID || undefined,
    logLevel,
  };
}
