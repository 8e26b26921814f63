import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore, type EventMetadata, type EventStore, type RecordedEvent } from '@ledger/eventstore';
import { signCheckpoint } from './checkpoint';
import { eventLeaf } from './event-leaf';
import {
  LEDGER_SYSTEM_TENANT,
  ledgerCheckpointStream,
  type CheckpointSigned,
  type SigningKeyRegistered,
} from './ledger-checkpoint.events';
import { MerkleTreeStore, TreeStoreDamaged, type LeafRecord, type StoredCheckpoint } from './merkle-tree-store';
import { ProofBundleWriter, buildProofBundle, type BundleSelection, type ProvableCheckpoint } from './proof-bundle';
import { LedgerSigningKey } from './signing-key';
import { TreeMaintainer, type TreeMaintainerOptions } from './tree-maintainer';

export const TRANSPARENCY_DB = 'transparency.sqlite';

export type TransparencyErrorCode = 'NOT_FOUND' | 'INVALID_REQUEST' | 'TOO_LARGE' | 'UNAVAILABLE';

export class TransparencyError extends Error {
  constructor(
    readonly code: TransparencyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransparencyError';
  }
}

export interface TransparencyLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface TransparencyLogOptions {
  store: EventStore;
  /** transparency.sqlite lives here. */
  dataDir: string;
  /** Ed25519 private key (PKCS#8 PEM); generated, mode 0600, when missing. */
  keyFile: string;
  /** Checkpoint origin line and signing key name, e.g. `ledger.example.com`. */
  origin: string;
  /** Sign a checkpoint this often when the log has grown; 0 turns the schedule off. */
  checkpointIntervalSeconds: number;
  clock?: () => Date;
  logger?: TransparencyLogger;
  maintainer?: TreeMaintainerOptions;
  /** Largest bundle the range export builds. */
  maxBundleEvents?: number;
}

/** Who asked for a checkpoint or a rotation: goes into the recorded event's metadata. */
export interface ActorContext {
  actor: string;
  correlationId?: string;
  requestId?: string | null;
}

export interface PublicKeyInfo {
  keyId: string;
  keyName: string;
  publicKey: string;
  verifierKey: string;
  status: 'current' | 'retired' | 'superseded';
  registeredAt: string | null;
  retiredAt: string | null;
}

export interface InclusionProofAnswer {
  event: { id: string; streamId: string; revision: number; position: string; hash: string };
  /** The leaf bytes (UTF-8 canonical JSON) an auditor hashes as SHA-256(0x00 || leaf). */
  leaf: string;
  leafIndex: number;
  treeSize: number;
  rootHash: string;
  proof: string[];
  /** The signed checkpoint of this tree size, when there is one. */
  checkpoint: string | null;
}

export interface ConsistencyProofAnswer {
  from: number;
  to: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
  checkpoints: { from: string | null; to: string | null };
}

export type CheckpointedProof = StoredCheckpoint & ProvableCheckpoint;

const SYSTEM_ACTOR: ActorContext = { actor: 'ledger:checkpoint-scheduler' };
const silent: TransparencyLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The tamper-evidence side of the ledger: the Merkle tree kept by a catch-up subscription,
 * the deployment's signing key, signed checkpoints (on a schedule and on demand, each recorded in
 * the log as CheckpointSigned), proofs, and evidence bundles.
 */
export class TransparencyLog {
  readonly tree: MerkleTreeStore;
  readonly maintainer: TreeMaintainer;
  /** True when this start generated the key file. */
  readonly keyCreated: boolean;
  private key: LedgerSigningKey;
  /** On the SQLite store, event ids are found through its own index instead of a copy in the tree store. */
  private readonly eventsDb: Database.Database | null;
  private readonly positionOfEventId: ((eventId: string) => bigint | null) | null;
  private readonly clock: () => Date;
  private readonly logger: TransparencyLogger;
  private readonly stream: string;
  private serial: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private stopped = false;

  private constructor(private readonly options: TransparencyLogOptions) {
    const { key, created } = LedgerSigningKey.loadOrCreate(options.keyFile, options.origin);
    this.key = key;
    this.keyCreated = created;
    const store = options.store;
    const eventsFile = store instanceof SqliteEventStore && store.db.name !== ':memory:' ? store.db.name : null;
    this.eventsDb = eventsFile ? new Database(eventsFile, { readonly: true, fileMustExist: true }) : null;
    const byId = this.eventsDb?.prepare<[string], { position: bigint }>('SELECT position FROM events WHERE event_id = ?').safeIntegers(true);
    this.positionOfEventId = byId ? (eventId) => byId.get(eventId)?.position ?? null : null;
    this.logger = options.logger ?? silent;
    this.tree = openTree(join(options.dataDir, TRANSPARENCY_DB), this.positionOfEventId === null, this.logger);
    this.maintainer = new TreeMaintainer(options.store, this.tree, options.maintainer);
    this.clock = options.clock ?? (() => new Date());
    this.stream = ledgerCheckpointStream(options.origin);
  }

  static open(options: TransparencyLogOptions): TransparencyLog {
    return new TransparencyLog(options);
  }

  get origin(): string {
    return this.options.origin;
  }

  get keyId(): string {
    return this.key.keyId;
  }

  get publicKeyPem(): string {
    return this.key.publicKeyPem;
  }

  get verifierKey(): string {
    return this.key.verifierKey;
  }

  /** Starts following the log and, when configured, the checkpoint schedule. */
  start(): void {
    this.maintainer.start();
    const seconds = this.options.checkpointIntervalSeconds;
    if (seconds > 0) {
      this.timer = setInterval(() => void this.tick(), seconds * 1000);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.serial.catch(() => undefined);
    await this.maintainer.stop();
    this.tree.close();
    this.eventsDb?.close();
  }

  latestCheckpoint(): StoredCheckpoint | null {
    return this.tree.latestCheckpoint();
  }

  checkpoints(limit = 100): StoredCheckpoint[] {
    return this.tree.checkpoints(limit);
  }

  /** Every key that signed or may sign checkpoints here, oldest first; old ones stay so old checkpoints verify. */
  publicKeys(): PublicKeyInfo[] {
    const keys: PublicKeyInfo[] = this.tree.signingKeys().map((k) => ({
      keyId: k.keyId,
      keyName: k.keyName,
      publicKey: k.publicKeyPem,
      verifierKey: k.verifierKey,
      status: k.keyId === this.key.keyId ? 'current' : k.retiredAt ? 'retired' : 'superseded',
      registeredAt: k.registeredAt,
      retiredAt: k.retiredAt,
    }));
    if (!keys.some((k) => k.keyId === this.key.keyId)) {
      keys.push({
        keyId: this.key.keyId,
        keyName: this.key.name,
        publicKey: this.key.publicKeyPem,
        verifierKey: this.key.verifierKey,
        status: 'current',
        registeredAt: null,
        retiredAt: null,
      });
    }
    return keys;
  }

  /** Signs the tree as it stands once every event appended so far is in it, and records the checkpoint in the log. */
  signCheckpoint(context: ActorContext = SYSTEM_ACTOR): Promise<StoredCheckpoint> {
    return this.exclusive(() => this.sign(context));
  }

  /** Replaces the signing key; the old public key stays registered (retired), so its checkpoints keep verifying. */
  rotateKey(context: ActorContext): Promise<{ previousKeyId: string; keyId: string; checkpoint: StoredCheckpoint }> {
    return this.exclusive(async () => {
      await this.ensureKeyRegistered(context);
      const previous = this.key;
      const next = LedgerSigningKey.generate(this.options.origin);
      next.writeTo(this.options.keyFile);
      this.key = next;
      await this.record<SigningKeyRegistered>(
        { type: 'SigningKeyRegistered', data: this.registration(next, previous.keyId) },
        context,
      );
      this.logger.log(`ledger signing key rotated: ${previous.keyId} -> ${next.keyId}`);
      const checkpoint = await this.sign(context);
      return { previousKeyId: previous.keyId, keyId: next.keyId, checkpoint };
    });
  }

  /**
   * Inclusion proof of one event (by id or position). Without `treeSize` it is proven in the
   * latest checkpoint, or in a new one when the latest does not cover it yet. `tenant` limits the
   * answer to that tenant's events (auditor access).
   */
  async inclusionProof(
    query: { eventId?: string; position?: bigint; treeSize?: number; tenant?: string },
    context: ActorContext,
  ): Promise<InclusionProofAnswer> {
    const find = () => (query.eventId !== undefined ? this.leafOfEventId(query.eventId) : this.tree.leafAtPosition(query.position!));
    let leaf = find();
    if (!leaf) {
      await this.catchUp();
      leaf = find();
    }
    const subject = query.eventId !== undefined ? `id ${query.eventId}` : `position ${query.position}`;
    const notFound = () => new TransparencyError('NOT_FOUND', `no event with ${subject} in the log${query.tenant ? ` of tenant ${query.tenant}` : ''}`);
    if (!leaf) throw notFound();
    const [event] = await this.options.store.readAll({ after: leaf.position - 1n, maxCount: 1 });
    if (!event || event.position !== leaf.position) throw new TransparencyError('NOT_FOUND', `the event with ${subject} is no longer in the store`);
    if (query.tenant !== undefined && event.metadata.tenant !== query.tenant) throw notFound();
    let treeSize = query.treeSize;
    let checkpoint: string | null;
    if (treeSize === undefined) {
      const covering = await this.checkpointCovering(leaf.leafIndex, context, false);
      treeSize = covering.treeSize;
      checkpoint = covering.note;
    } else {
      if (!Number.isInteger(treeSize) || treeSize <= leaf.leafIndex || treeSize > this.tree.size) {
        throw new TransparencyError(
          'INVALID_REQUEST',
          `treeSize must be above the event's leaf index ${leaf.leafIndex} and at most the tree's size ${this.tree.size}`,
        );
      }
      checkpoint = this.tree.checkpointOfSize(treeSize)?.note ?? null;
    }
    return {
      event: { id: event.id, streamId: event.streamId, revision: event.revision, position: event.position.toString(), hash: event.hash },
      leaf: eventLeaf(event).toString('utf8'),
      leafIndex: leaf.leafIndex,
      treeSize,
      rootHash: this.tree.root(treeSize).toString('base64'),
      proof: this.proof(() => this.tree.inclusionProof(leaf.leafIndex, treeSize)).map((h) => h.toString('base64')),
      checkpoint,
    };
  }

  async consistencyProof(from: number, to?: number): Promise<ConsistencyProofAnswer> {
    const target = to ?? this.latestCheckpoint()?.treeSize;
    if (target === undefined) throw new TransparencyError('INVALID_REQUEST', 'no checkpoint has been signed yet: pass `to`');
    if (!Number.isInteger(from) || !Number.isInteger(target) || from < 1 || from > target) {
      throw new TransparencyError('INVALID_REQUEST', `need 1 <= from <= to (got from=${from}, to=${target})`);
    }
    if (target > this.tree.size) await this.catchUp();
    if (target > this.tree.size) throw new TransparencyError('INVALID_REQUEST', `the tree has ${this.tree.size} leaves, fewer than ${target}`);
    return {
      from,
      to: target,
      fromRoot: this.tree.root(from).toString('base64'),
      toRoot: this.tree.root(target).toString('base64'),
      proof: this.proof(() => this.tree.consistencyProof(from, target)).map((h) => h.toString('base64')),
      checkpoints: { from: this.tree.checkpointOfSize(from)?.note ?? null, to: this.tree.checkpointOfSize(target)?.note ?? null },
    };
  }

  /**
   * A checkpoint signed by the current key that covers the event at `position` (signing a new
   * one when the latest does not), able to prove any event up to its size. What an export calls
   * before writing a bundle.
   */
  async provableCheckpoint(position: bigint, context: ActorContext = SYSTEM_ACTOR): Promise<CheckpointedProof> {
    await this.treeAt(position);
    const leaf = this.tree.lastLeafAtOrBefore(position);
    const covering = await this.checkpointCovering(leaf?.leafIndex ?? 0, context, true);
    return {
      ...covering,
      prove: (eventPosition: bigint) => {
        const found = this.tree.leafAtPosition(eventPosition);
        if (!found || found.leafIndex >= covering.treeSize) {
          throw new TransparencyError('NOT_FOUND', `no event at position ${eventPosition} in the checkpoint of size ${covering.treeSize}`);
        }
        return { leafIndex: found.leafIndex, proof: this.proof(() => this.tree.inclusionProof(found.leafIndex, covering.treeSize)) };
      },
    };
  }

  /** An evidence bundle for chosen events (e.g. one tenant's), with a signed manifest. */
  async buildBundle(events: readonly RecordedEvent[], description: string, context: ActorContext = SYSTEM_ACTOR): Promise<string> {
    const last = events.reduce((max, e) => (e.position > max ? e.position : max), 0n);
    const checkpoint = await this.provableCheckpoint(last, context);
    const selection: BundleSelection = { kind: 'events', description };
    return buildProofBundle(events, checkpoint, this.key.publicKeyPem, { selection, createdAt: this.clock().toISOString(), signManifest: this.manifestSigner() });
  }

  /** Every event with a position in [from, to], as bundle lines (streamed page by page). */
  async *bundleRange(from: bigint, to: bigint | null, context: ActorContext): AsyncGenerator<string> {
    if (from < 1n || (to !== null && to < from)) throw new TransparencyError('INVALID_REQUEST', 'need 1 <= fromPosition <= toPosition');
    const head = await this.options.store.headPosition();
    const end = to === null || to > head ? head : to;
    await this.treeAt(end);
    const first = this.tree.firstLeafAtOrAfter(from);
    const last = this.tree.lastLeafAtOrBefore(end);
    const count = first && last && first.leafIndex <= last.leafIndex ? last.leafIndex - first.leafIndex + 1 : 0;
    const max = this.options.maxBundleEvents ?? 100_000;
    if (count > max) throw new TransparencyError('TOO_LARGE', `the range holds ${count} events; a bundle holds at most ${max}: narrow fromPosition/toPosition`);
    const checkpoint = await this.provableCheckpoint(last?.position ?? end, context);
    const writer = new ProofBundleWriter(checkpoint, this.key.publicKeyPem, {
      selection: { kind: 'range', fromPosition: from.toString(), toPosition: end.toString(), firstLeaf: first?.leafIndex ?? checkpoint.treeSize, count },
      createdAt: this.clock().toISOString(),
      signManifest: this.manifestSigner(),
    });
    yield writer.header();
    let after = from - 1n;
    let written = 0;
    while (written < count) {
      const page = await this.options.store.readAll({ after, maxCount: 1000 });
      const inRange = page.filter((event) => event.position <= end);
      for (const event of inRange) yield writer.event(event);
      written += inRange.length;
      if (inRange.length < page.length || page.length === 0) break;
      after = page[page.length - 1]!.position;
    }
    yield writer.manifest();
  }

  private proof(work: () => Buffer[]): Buffer[] {
    try {
      return work();
    } catch (error) {
      if (!(error instanceof TreeStoreDamaged)) throw error;
      this.logger.error(error.message);
      throw new TransparencyError('UNAVAILABLE', error.message);
    }
  }

  private leafOfEventId(eventId: string): LeafRecord | null {
    if (!this.positionOfEventId) return this.tree.leafOfEventId(eventId);
    const position = this.positionOfEventId(eventId);
    return position === null ? null : this.tree.leafAtPosition(position);
  }

  private manifestSigner(): (message: Buffer) => string {
    const key = this.key;
    return (message) => Buffer.concat([Buffer.from(key.keyId, 'hex'), key.sign(message)]).toString('base64');
  }

  private async checkpointCovering(leafIndex: number, context: ActorContext, currentKeyOnly: boolean): Promise<StoredCheckpoint> {
    const latest = this.latestCheckpoint();
    if (latest && latest.treeSize > leafIndex && (!currentKeyOnly || latest.keyId === this.key.keyId)) return latest;
    return this.signCheckpoint(context);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped || this.maintainer.error) return;
    this.ticking = true;
    try {
      await this.catchUp();
      const head = await this.options.store.headPosition();
      const latest = this.latestCheckpoint();
      // Nothing but our own record since the last checkpoint: signing again would only chase its own tail.
      if (head === 0n || (latest && latest.position >= head && latest.keyId === this.key.keyId)) return;
      await this.signCheckpoint();
    } catch (error) {
      this.logger.warn(`scheduled checkpoint failed: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private async sign(context: ActorContext): Promise<StoredCheckpoint> {
    if (this.stopped) throw new TransparencyError('UNAVAILABLE', 'the transparency log is stopped');
    await this.ensureKeyRegistered(context);
    await this.catchUp();
    const treeSize = this.tree.size;
    const rootHash = this.tree.root();
    const time = this.clock().toISOString();
    const note = signCheckpoint({ origin: this.options.origin, treeSize, rootHash, time }, this.key);
    const data: CheckpointSigned['data'] = {
      origin: this.options.origin,
      treeSize,
      rootHash: rootHash.toString('base64'),
      keyId: this.key.keyId,
      checkpoint: note,
      at: time,
    };
    const position = await this.record<CheckpointSigned>({ type: 'CheckpointSigned', data }, context);
    return { origin: data.origin, treeSize, rootHash: data.rootHash, time, keyId: data.keyId, note, position };
  }

  private async ensureKeyRegistered(context: ActorContext): Promise<void> {
    if (this.tree.signingKeys().some((k) => k.keyId === this.key.keyId)) return;
    await this.catchUp();
    if (this.tree.signingKeys().some((k) => k.keyId === this.key.keyId)) return;
    await this.record<SigningKeyRegistered>({ type: 'SigningKeyRegistered', data: this.registration(this.key, null) }, context);
  }

  private registration(key: LedgerSigningKey, replaces: string | null): SigningKeyRegistered['data'] {
    return { keyId: key.keyId, keyName: key.name, publicKey: key.publicKeyPem, verifierKey: key.verifierKey, replaces, at: this.clock().toISOString() };
  }

  /** Appends to the ledgerCheckpoint stream and waits until the tree (and its tables) include it. */
  private async record<E extends CheckpointSigned | SigningKeyRegistered>(event: E, context: ActorContext): Promise<bigint> {
    const metadata: EventMetadata = {
      tenant: LEDGER_SYSTEM_TENANT,
      correlationId: context.correlationId ?? randomUUID(),
      requestId: context.requestId ?? null,
      actor: context.actor,
      recordedAt: event.data.at,
    };
    const { position } = await this.options.store.append(this.stream, [{ type: event.type, data: event.data, metadata }], 'any');
    await this.treeAt(position);
    return position;
  }

  private async catchUp(): Promise<void> {
    await this.treeAt(await this.options.store.headPosition());
  }

  /** Waits until the tree covers `position`; a tree still rebuilding a large log answers "unavailable", not a crash. */
  private async treeAt(position: bigint): Promise<void> {
    if (this.maintainer.error) throw new TransparencyError('UNAVAILABLE', `the Merkle tree stopped following the log: ${this.maintainer.error.message}`);
    try {
      await this.maintainer.waitFor(position, 30_000);
    } catch (error) {
      throw new TransparencyError('UNAVAILABLE', `the Merkle tree is behind the log (${(error as Error).message}); try again shortly`);
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work);
    this.serial = run.catch(() => undefined);
    return run;
  }
}

/**
 * Opens transparency.sqlite and checks it still reproduces its own latest checkpoint. A file that
 * cannot be opened or fails that check (an OS crash without fsync, a bad disk) is rebuilt from
 * the log, which holds everything it is derived from.
 */
function openTree(path: string, indexEventIds: boolean, logger: TransparencyLogger): MerkleTreeStore {
  try {
    const tree = new MerkleTreeStore(path, { indexEventIds });
    const latest = tree.latestCheckpoint();
    if (!latest || latest.treeSize > tree.size || tree.root(latest.treeSize).toString('base64') === latest.rootHash) return tree;
    tree.close();
    logger.warn(`${TRANSPARENCY_DB} does not reproduce the root of its latest checkpoint (size ${latest.treeSize}); rebuilding it from the log`);
  } catch (error) {
    logger.warn(`${TRANSPARENCY_DB} cannot be used (${(error as Error).message}); rebuilding it from the log`);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  return new MerkleTreeStore(path, { indexEventIds });
}
