export * from './kafka.config';
export * from './kafka-client';
export * from './kafka-topics';
export * from './message-publisher.port';
export * from './kafkajs-message-publisher';
export * from './kafka-relay';
export * from './ack-consumer';
