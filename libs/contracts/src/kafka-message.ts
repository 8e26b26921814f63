/**
 * A message as it goes onto a Kafka topic, free of any client library's types so that the
 * contracts can be shared with systems that use another client.
 */
export interface KafkaMessage {
  key: string;
  headers: Record<string, string>;
  /** UTF-8 JSON. */
  value: string;
}
