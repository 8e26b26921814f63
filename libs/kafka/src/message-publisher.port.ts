/**
 * A message to publish. Strings for what this service writes (see KafkaMessage in
 * @ledger/contracts, which fits here); Buffers so a dead-lettered message keeps its exact bytes.
 */
export interface OutgoingMessage {
  key: string | Buffer | null;
  headers: Record<string, string | Buffer | Array<string | Buffer>>;
  value: string | Buffer | null;
}

/**
 * Where the relay and the ack consumer put messages. Resolves only once the broker has
 * acknowledged every message (all in-sync replicas), so a caller may then record progress.
 */
export interface MessagePublisher {
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}
