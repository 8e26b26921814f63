import { kafkaConfigFromEnv, type KafkaConfig } from '@ledger/kafka';
import type { LedgerConfig } from '../config/config';

/** Kafka settings: brokers from the validated KAFKA_BROKERS, topic names from the KAFKA_* variables. */
export function kafkaSettings(config: LedgerConfig, env: NodeJS.ProcessEnv = process.env): KafkaConfig | null {
  return kafkaConfigFromEnv({ ...env, KAFKA_BROKERS: config.kafkaBrokers.join(',') });
}
