import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config';
import { startLedger } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const ledger = await startLedger(config);
  const where = config.host === '0.0.0.0' || config.host === '::' ? `${ledger.url} (every interface; HOST=${config.host})` : ledger.url.replace('127.0.0.1', config.host);
  process.stdout.write(`scim-ledger listening on ${where} (data in ${config.dataDir}, store ${config.eventStoreUrl ? 'EventStoreDB' : 'SQLite'})\n`);
  // Stop accepting, let in-flight requests and their writes finish, record their ledger entries,
  // stop projections at a checkpoint, then close the store. A stuck close still ends the process.
  const shutdown = async (signal: string) => {
    process.stdout.write(`${signal}: shutting down\n`);
    setTimeout(() => {
      process.stderr.write('shutdown took longer than 30 s; exiting anyway\n');
      process.exit(1);
    }, 30_000).unref();
    await ledger.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: Error) => {
  process.stderr.write(`scim-ledger failed to start: ${error.message}\n`);
  process.exit(1);
});
