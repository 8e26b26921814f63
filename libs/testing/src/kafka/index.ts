export * from './kafka-broker';
export * from './kafka-shared-broker';
export * from './kafka-topic-reader';
