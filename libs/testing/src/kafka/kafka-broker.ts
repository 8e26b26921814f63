import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { copyFile, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A real single-node Apache Kafka (KRaft, broker and controller in one JVM) for integration
 * tests, run from the jars that deploy/kafka/fetch-jars.sh takes from Maven Central. There is no
 * Kafka package in Debian or npm and no container engine on these machines, so this is the only
 * way to test against the real protocol.
 */
export interface KafkaBrokerOptions {
  /** A directory holding the broker's jars; default: whatever deploy/kafka/fetch-jars.sh provides. */
  libDir?: string;
  /** JVM heap ceiling; the broker idles well under it in tests. */
  maxHeap?: string;
  /** Covers a cold jar download (about 15 s) plus JVM start; a warm start takes 3 to 6 s. */
  startTimeoutMs?: number;
  /** Added to, or overriding, the generated server.properties. */
  properties?: Record<string, string | number | boolean>;
}

export interface KafkaBroker {
  /** `127.0.0.1:<port>`, the form KAFKA_BROKERS takes. */
  readonly brokers: string;
  readonly brokerList: string[];
  readonly port: number;
  readonly controllerPort: number;
  /** Temp directory with server.properties, the data (log.dirs) and broker.log. */
  readonly dir: string;
  readonly logFile: string;
  /** Settles when consumer groups can find their coordinator; rejects with the tail of the broker log. */
  readonly ready: Promise<void>;
  readonly running: boolean;
  /** SIGTERM (a controlled shutdown), SIGKILL if that takes too long; then deletes the directory. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; data and ports are kept for restart(). */
  kill(): Promise<void>;
  /** A controlled shutdown (SIGTERM); data and ports are kept for restart(), which is then faster. */
  shutdown(): Promise<void>;
  /** Stops the broker if it runs, then starts it again on the same ports and data. */
  restart(): Promise<void>;
  logTail(lines?: number): Promise<string>;
}

const DIR_PREFIX = 'scim-ledger-kafka-';
const OWNER_FILE = 'owner.json';
const STOP_GRACE_MS = 15_000;
const CLASS_DATA_ARCHIVE = 'kafka-broker.jsa';

/** Brokers of this process, killed on exit so a failed or interrupted run leaves no JVM behind. */
const live = new Set<LocalKafkaBroker>();
let exitHookInstalled = false;

/** Starts a broker and waits until it takes requests. */
export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const broker = await launchKafkaBroker(options);
  try {
    await broker.ready;
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return broker;
}

/**
 * Picks the ports and writes the configuration, then returns at once: the jars, the storage
 * format and the JVM start continue in the background and `ready` tells when they are done. A
 * jest globalSetup can so hand the address to the test files without making the run wait.
 */
export async function launchKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  reapOrphans();
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  const [port, controllerPort] = await freePorts(2);
  const broker = new LocalKafkaBroker(dir, port!, controllerPort!, options);
  live.add(broker);
  await broker.writeConfig();
  broker.begin();
  return broker;
}

class LocalKafkaBroker implements KafkaBroker {
  readonly brokers: string;
  readonly brokerList: string[];
  readonly logFile: string;
  ready!: Promise<void>;
  private child: ChildProcess | null = null;
  private exited = true;
  private exit: Promise<number | null> = Promise.resolve(null);
  private libDir: string | null = null;
  private stopped = false;
  /** Set while this JVM will write the class-data archive when it exits. */
  private dumpingArchive = false;

  constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
    private readonly options: KafkaBrokerOptions,
  ) {
    this.brokers = `127.0.0.1:${port}`;
    this.brokerList = [this.brokers];
    this.logFile = join(dir, 'broker.log');
  }

  get running(): boolean {
    return this.child !== null && !this.exited;
  }

  async writeConfig(): Promise<void> {
    const properties: Record<string, string | number | boolean> = {
      'node.id': 1,
      'process.roles': 'broker,controller',
      'controller.quorum.voters': `1@127.0.0.1:${this.controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${this.port}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': join(this.dir, 'data'),
      // One node: every internal topic must accept a single replica.
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      // Creating 50 partitions of each internal topic would slow the first group join of a run.
      'offsets.topic.num.partitions': 1,
      'transaction.state.log.num.partitions': 1,
      'group.initial.rebalance.delay.ms': 0,
      // After a kill -9 the controller refuses the restarted broker until the old registration's
      // session expires (9 s by default): keep restart() quick.
      'broker.session.timeout.ms': 2000,
      'broker.heartbeat.interval.ms': 500,
      // Lets tests use short consumer sessions, so a dead consumer is noticed in about a second.
      'group.min.session.timeout.ms': 1000,
      // Topics are created explicitly with their partition count: an auto-created topic would get
      // a default count and silently change which partition a key lands on.
      'auto.create.topics.enable': false,
      'num.partitions': 1,
      'num.network.threads': 2,
      'num.io.threads': 4,
      'background.threads': 4,
      'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
      ...this.options.properties,
    };
    const lines = Object.entries(properties).map(([key, value]) => `${key}=${String(value)}`);
    await writeFile(join(this.dir, 'server.properties'), `${lines.join('\n')}\n`);
    await writeFile(
      join(this.dir, 'log4j.properties'),
      [
        'log4j.rootLogger=INFO, file',
        'log4j.appender.file=org.apache.log4j.FileAppender',
        `log4j.appender.file.File=${this.logFile}`,
        'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.kafka.request.logger=WARN',
        'log4j.logger.state.change.logger=WARN',
        'log4j.logger.kafka.log.LogCleaner=WARN',
        '',
      ].join('\n'),
    );
  }

  begin(): void {
    this.ready = (async () => {
      this.libDir = await ensureJars(this.options.libDir);
      await this.format();
      await this.spawnBroker();
      await this.waitUntilReady();
    })();
    // Callers may look at `ready` late (or never); the failure must not surface as unhandled.
    this.ready.catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.ready.catch(() => undefined);
    await this.terminate();
    live.delete(this);
    await rm(this.dir, { recursive: true, force: true });
  }

  async kill(): Promise<void> {
    if (this.running) this.child!.kill('SIGKILL');
    await this.exit;
  }

  async shutdown(): Promise<void> {
    await this.terminate();
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('the broker was stopped; start a new one');
    await this.ready.catch(() => undefined);
    await this.terminate();
    this.ready = (async () => {
      await this.spawnBroker();
      await this.waitUntilReady();
    })();
    this.ready.catch(() => undefined);
    await this.ready;
  }

  async logTail(lines = 40): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines - 1).join('\n');
  }

  /** Synchronous, for process exit: nothing asynchronous runs any more there. */
  killNow(): void {
    if (this.running) this.child!.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private jvmArgs(role: 'tool' | 'broker'): string[] {
    return [
      `-Xmx${this.options.maxHeap ?? '512m'}`,
      '-Xms64m',
      // One GC thread instead of G1's pool: these machines have two cores, shared with the tests.
      '-XX:+UseSerialGC',
      // A test broker lives for seconds to minutes and moves little data: the C1 compiler alone
      // and a class-data archive cut its start from about 8 s to about 3 s on a busy machine.
      '-XX:TieredStopAtLevel=1',
      ...this.classDataArgs(role),
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${join(this.dir, 'log4j.properties')}`,
      `-Dkafka.logs.dir=${this.dir}`,
      '-cp',
      `${this.libDir}/*`,
    ];
  }

  private async format(): Promise<void> {
    const args = [...this.jvmArgs('tool'), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', join(this.dir, 'server.properties')];
    await new Promise<void>((resolve, reject) => {
      execFile('java', args, { cwd: this.dir, timeout: 60_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`Kafka storage format failed (exit code ${String(error.code)}):\n${(stderr || stdout).slice(-4000)}`));
        else resolve();
      });
    });
  }

  private async spawnBroker(): Promise<void> {
    const out = await open(join(this.dir, 'broker.out'), 'a');
    try {
      const child = spawn('java', [...this.jvmArgs('broker'), 'kafka.Kafka', join(this.dir, 'server.properties')], {
        cwd: this.dir,
        stdio: ['ignore', out.fd, out.fd],
      });
      this.child = child;
      this.exited = false;
      this.exit = new Promise((resolve) => {
        const done = (code: number | null): void => {
          this.exited = true;
          resolve(code);
        };
        child.once('exit', (code) => done(code));
        child.once('error', () => done(null));
      });
      await writeFile(join(this.dir, OWNER_FILE), JSON.stringify({ ownerPid: process.pid, brokerPid: child.pid }));
    } finally {
      await out.close();
    }
  }

  private async terminate(): Promise<void> {
    if (!this.running) return;
    const child = this.child!;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    const code = await this.exit;
    clearTimeout(timer);
    if (this.dumpingArchive && code !== null) await this.adoptClassDataArchive();
    this.dumpingArchive = false;
  }

  /**
   * JDK 17 has no auto-created archive: the first broker that runs without one writes it when it
   * exits cleanly, and every later JVM maps those classes instead of loading thousands of them
   * from about 60 jars. It sits beside the jars because it is only valid for exactly those jars (the JVM
   * checks, and runs without it on a mismatch); fetch-jars.sh deletes it when it fetches again.
   */
  private classDataArgs(role: 'tool' | 'broker'): string[] {
    const archive = join(this.libDir!, CLASS_DATA_ARCHIVE);
    if (existsSync(archive)) return [`-XX:SharedArchiveFile=${archive}`, '-Xshare:auto'];
    if (role === 'tool') return [];
    this.dumpingArchive = true;
    return [`-XX:ArchiveClassesAtExit=${join(this.dir, CLASS_DATA_ARCHIVE)}`];
  }

  private async adoptClassDataArchive(): Promise<void> {
    const written = join(this.dir, CLASS_DATA_ARCHIVE);
    const target = join(this.libDir!, CLASS_DATA_ARCHIVE);
    if (!existsSync(written) || existsSync(target)) return;
    // Copied under a private name and renamed, so a concurrent broker never maps a half file.
    const staging = `${target}.${process.pid}.tmp`;
    try {
      await copyFile(written, staging);
      await rename(staging, target);
    } catch {
      await rm(staging, { force: true });
    }
  }

  private async waitUntilReady(): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    const kafka = new Kafka({
      clientId: 'broker-probe',
      brokers: this.brokerList,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 3000,
      retry: { retries: 0 },
    });
    let lastError = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.stopped) throw new Error('the broker was stopped while starting');
      if (!this.running) {
        throw new Error(`Kafka broker exited (code ${this.child?.exitCode ?? 'none'}, signal ${this.child?.signalCode ?? 'none'}) before it was ready.\n${await this.diagnostics()}`);
      }
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.controller === null || cluster.brokers.length === 0) {
          lastError = 'no active controller yet';
        } else {
          // Also creates __consumer_offsets: until it exists every consumer group fails to find
          // its coordinator, and kafkajs gives such a consumer up instead of retrying.
          await admin.describeGroups(['broker-probe']);
          return;
        }
      } catch (error) {
        lastError = (error as Error).message;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    throw new Error(`Kafka broker at ${this.brokers} was not ready within ${timeoutMs} ms (last probe: ${lastError}).\n${await this.diagnostics()}`);
  }

  private async diagnostics(): Promise<string> {
    const out = await readFile(join(this.dir, 'broker.out'), 'utf8').catch(() => '');
    return [`--- tail of ${this.logFile} ---`, await this.logTail(40), out.trim() ? `--- JVM output ---\n${out.slice(-4000)}` : '']
      .filter(Boolean)
      .join('\n');
  }
}

/** The repository root, found from this file so it works from source (jest) and from dist. */
function repoRoot(): string {
  let dir = __dirname;
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'deploy', 'kafka', 'fetch-jars.sh'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`deploy/kafka/fetch-jars.sh not found above ${__dirname}`);
}

async function ensureJars(libDir: string | undefined): Promise<string> {
  if (libDir) {
    if (!existsSync(libDir) || !readdirSync(libDir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f))) {
      throw new Error(`no kafka_2.13 jar in ${libDir}`);
    }
    return libDir;
  }
  const script = join(repoRoot(), 'deploy', 'kafka', 'fetch-jars.sh');
  return new Promise((resolve, reject) => {
    execFile('bash', [script], { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`fetching the Kafka jars failed (${script}, exit code ${String(error.code)}):\n${stderr.slice(-4000) || error.message}`));
      else resolve(stdout.trim().split('\n').pop()!);
    });
  });
}

/** What `kafka-storage.sh random-uuid` prints: 16 random bytes, base64url without padding. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka never hands out ids starting with "-": they read as options on a command line.
    if (!id.startsWith('-')) return id;
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ),
  );
  // Held open together so the two ports differ; released just before the JVM binds them.
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const broker of live) broker.killNow();
  });
}

/**
 * Kills brokers whose test process died without stopping them (kill -9, a crashed worker) and
 * removes their directories. Only processes recorded in our own owner files, and only when their
 * command line still names that directory, so a recycled pid is never touched.
 */
function reapOrphans(): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(tmpdir(), name);
    let owner: { ownerPid?: number; brokerPid?: number };
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue;
    }
    if (!owner.ownerPid || isAlive(owner.ownerPid)) continue;
    if (owner.brokerPid && isAlive(owner.brokerPid) && commandLineMentions(owner.brokerPid, dir)) {
      try {
        process.kill(owner.brokerPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLineMentions(pid: number, text: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
  } catch {
    return false;
  }
}
