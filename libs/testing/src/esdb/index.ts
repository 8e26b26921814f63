export * from './esdb-stand-in.server';
export * from './in-memory-transaction-log';
