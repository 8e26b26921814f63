export * from './kafka-message';
export * from './cloud-event';
export * from './integration-event.mapper';
export * from './sla-alert.mapper';
export * from './target-ack.message';
