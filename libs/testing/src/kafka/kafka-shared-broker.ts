import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launchKafkaBroker, startKafkaBroker, type KafkaBroker } from './kafka-broker';

/**
 * One broker for a whole jest run. globalSetup launches it without waiting (the JVM warms up
 * while the first test files run) and passes its address to the test workers in environment
 * variables, the one channel jest carries from globalSetup into workers.
 */
export const SHARED_BROKER_ENV = {
  /** `host:port[,host:port]`; set it yourself to test against a broker you run. */
  brokers: 'KAFKA_TEST_BROKERS',
  /** Path of a JSON file `{status: 'starting' | 'ready' | 'failed', error?}` the launcher keeps. */
  state: 'KAFKA_TEST_BROKER_STATE',
} as const;

interface SharedState {
  status: 'starting' | 'ready' | 'failed';
  error?: string;
}

const HOLDER = Symbol.for('scim-ledger.kafka.shared-broker');
type Holder = { [HOLDER]?: KafkaBroker };

/** For jest `globalSetup`. */
export async function launchSharedKafkaBroker(): Promise<void> {
  if (process.env[SHARED_BROKER_ENV.brokers]) return;
  const broker = await launchKafkaBroker();
  (globalThis as Holder)[HOLDER] = broker;
  const statePath = join(broker.dir, 'shared-state.json');
  const write = (state: SharedState): Promise<void> => writeFile(statePath, JSON.stringify(state));
  await write({ status: 'starting' });
  process.env[SHARED_BROKER_ENV.brokers] = broker.brokers;
  process.env[SHARED_BROKER_ENV.state] = statePath;
  void broker.ready.then(
    () => write({ status: 'ready' }),
    (error: Error) => write({ status: 'failed', error: error.message }),
  );
}

/** For jest `globalTeardown`. */
export async function stopSharedKafkaBroker(): Promise<void> {
  const holder = globalThis as Holder;
  const broker = holder[HOLDER];
  delete holder[HOLDER];
  await broker?.stop();
}

export interface KafkaTestBroker {
  brokers: string[];
  /** Stops the broker if this test file started it; a shared broker is left to globalTeardown. */
  release(): Promise<void>;
}

/**
 * The run's shared broker when globalSetup launched one (or KAFKA_TEST_BROKERS names one),
 * otherwise a broker of this test file's own. Throws with the broker's log when it cannot start:
 * a Kafka test fails with the reason, it never skips.
 */
export async function acquireKafkaTestBroker(timeoutMs = 120_000): Promise<KafkaTestBroker> {
  const shared = process.env[SHARED_BROKER_ENV.brokers];
  if (shared) {
    await waitForSharedBroker(process.env[SHARED_BROKER_ENV.state], timeoutMs);
    return { brokers: shared.split(',').map((b) => b.trim()), release: async () => undefined };
  }
  const broker = await startKafkaBroker({ startTimeoutMs: timeoutMs });
  return { brokers: broker.brokerList, release: () => broker.stop() };
}

async function waitForSharedBroker(statePath: string | undefined, timeoutMs: number): Promise<void> {
  if (!statePath) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = JSON.parse(await readFile(statePath, 'utf8')) as SharedState;
    if (state.status === 'ready') return;
    if (state.status === 'failed') throw new Error(`the shared Kafka broker failed to start: ${state.error}`);
    if (Date.now() > deadline) throw new Error(`the shared Kafka broker was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
