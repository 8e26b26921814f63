export * from './event-store.port';
export * from './errors';
export * from './hash-chain';
export * from './catch-up-subscription';
export * from './sqlite/sqlite-event-store';
export * from './open-event-store';
export * from './event-id';
export * from './worker-thread';
