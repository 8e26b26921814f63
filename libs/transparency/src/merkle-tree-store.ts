import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RecordedEvent } from '@ledger/eventstore';
import { eventLeafHash } from './event-leaf';
import { isLedgerCheckpointStream, type LedgerCheckpointEvent } from './ledger-checkpoint.events';
import {
  MerkleFrontier,
  consistencyProof,
  inclusionProof,
  nodeHash,
  subtreeHash,
  verifyConsistency,
  verifyInclusion,
  type SubtreeSource,
} from './merkle';

/** Tiles of 2^8 hashes, one row each: tile level t holds the nodes of tree level 8t. */
const TILE_HEIGHT = 8;
const TILE_WIDTH = 2 ** TILE_HEIGHT;
const HASH_BYTES = 32;
const TILE_CACHE = 64;
const ROOT_CACHE = 16;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tiles (
  level  INTEGER NOT NULL,
  idx    INTEGER NOT NULL,
  hashes BLOB    NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS position_runs (
  leaf_index INTEGER PRIMARY KEY,
  position   INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS event_ids (
  event_id   TEXT PRIMARY KEY,
  leaf_index INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_state (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  size     INTEGER NOT NULL,
  position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
  position  INTEGER PRIMARY KEY,
  tree_size INTEGER NOT NULL,
  root_hash TEXT    NOT NULL,
  key_id    TEXT    NOT NULL,
  origin    TEXT    NOT NULL,
  time      TEXT    NOT NULL,
  note      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS checkpoints_by_size ON checkpoints (tree_size);
CREATE TABLE IF NOT EXISTS signing_keys (
  key_id        TEXT PRIMARY KEY,
  key_name      TEXT NOT NULL,
  public_key    TEXT NOT NULL,
  verifier_key  TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  retired_at    TEXT,
  position      INTEGER NOT NULL
);
`;

export class TreeStoreDamaged extends Error {
  constructor(detail: string) {
    super(`transparency.sqlite is damaged (${detail}): stop the service and delete it; it is rebuilt from the log on start`);
    this.name = 'TreeStoreDamaged';
  }
}

/** What the tree needs of an event; `data` only matters on ledgerCheckpoint streams. */
export type TreeEvent = Pick<RecordedEvent, 'position' | 'streamId' | 'revision' | 'id' | 'hash' | 'type' | 'data'>;

export interface LeafRecord {
  leafIndex: number;
  position: bigint;
}

/** A checkpoint as recorded in the log (CheckpointSigned), with the position of that record. */
export interface StoredCheckpoint {
  origin: string;
  treeSize: number;
  /** base64 */
  rootHash: string;
  time: string;
  keyId: string;
  note: string;
  position: bigint;
}

export interface SigningKeyRecord {
  keyId: string;
  keyName: string;
  publicKeyPem: string;
  verifierKey: string;
  registeredAt: string;
  retiredAt: string | null;
  position: bigint;
}

export interface MerkleTreeStoreOptions {
  readonly?: boolean;
  /**
   * Keep an event id -> leaf index table. Not needed when the event store can map ids to
   * positions itself (the SQLite store has that index), which saves a write per event.
   */
  indexEventIds?: boolean;
}

interface Tile {
  level: number;
  index: number;
  hashes: Buffer[];
}

interface Run {
  leaf_index: bigint;
  position: bigint;
}

interface CheckpointRow {
  position: bigint;
  tree_size: bigint;
  root_hash: string;
  key_id: string;
  origin: string;
  time: string;
  note: string;
}

interface KeyRow {
  key_id: string;
  key_name: string;
  public_key: string;
  verifier_key: string;
  registered_at: string;
  retired_at: string | null;
  position: bigint;
}

/**
 * The Merkle tree over the global log, in DATA_DIR/transparency.sqlite.
 *
 * Hashes are stored in tiles of 256 (after the tlog-tiles layout): tile level 0 holds the leaf
 * hashes, tile level t the roots of complete 2^(8t)-leaf subtrees. Any complete subtree is one
 * tile read and at most 127 hashes away, so a proof is O(log n) reads; appending writes one row
 * per touched tile per batch, not one per event. Positions are stored as runs (a row only where
 * the next position is not the previous one plus one), so the SQLite store, whose positions are
 * contiguous, needs a single row. The right edge of the tree lives in memory, so the current root
 * is free.
 *
 * Derived from the log: delete the file and it is rebuilt identically. Like the read model it
 * skips fsync (synchronous=OFF), so it never competes with the event store's durable commits; a
 * process crash loses nothing (size and position are committed with the leaves they cover), and
 * after an OS crash a damaged file is rebuilt (see TransparencyLog).
 */
export class MerkleTreeStore implements SubtreeSource {
  readonly db: Database.Database;
  readonly indexesEventIds: boolean;
  private frontier: MerkleFrontier;
  private coveredPosition: bigint;
  private tails = new Map<number, Tile>();
  private readonly cache = new Map<string, Buffer[][]>();
  private readonly tailPyramids = new Map<number, { tile: Tile; length: number; pyramid: Buffer[][] }>();
  private readonly roots = new Map<number, Buffer>();
  private readonly stmt;

  constructor(path: string, options: MerkleTreeStoreOptions = {}) {
    if (!options.readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = OFF');
      this.db.exec(SCHEMA);
    }
    this.indexesEventIds = options.indexEventIds ?? true;
    const db = this.db;
    this.stmt = {
      state: db.prepare<[], { size: bigint; position: bigint }>('SELECT size, position FROM tree_state WHERE id = 1').safeIntegers(true),
      saveState: db.prepare(
        'INSERT INTO tree_state (id, size, position) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET size = excluded.size, position = excluded.position',
      ),
      tile: db.prepare<[number, number], { hashes: Buffer }>('SELECT hashes FROM tiles WHERE level = ? AND idx = ?'),
      saveTile: db.prepare('INSERT OR REPLACE INTO tiles (level, idx, hashes) VALUES (?, ?, ?)'),
      insertRun: db.prepare('INSERT INTO position_runs (leaf_index, position) VALUES (?, ?)'),
      runAtOrBeforePosition: db.prepare<[bigint], Run>('SELECT * FROM position_runs WHERE position <= ? ORDER BY position DESC LIMIT 1').safeIntegers(true),
      runAfterPosition: db.prepare<[bigint], Run>('SELECT * FROM position_runs WHERE position > ? ORDER BY position ASC LIMIT 1').safeIntegers(true),
      runAtOrBeforeLeaf: db.prepare<[number], Run>('SELECT * FROM position_runs WHERE leaf_index <= ? ORDER BY leaf_index DESC LIMIT 1').safeIntegers(true),
      runAfterLeaf: db.prepare<[bigint], Run>('SELECT * FROM position_runs WHERE leaf_index > ? ORDER BY leaf_index ASC LIMIT 1').safeIntegers(true),
      insertEventId: db.prepare('INSERT INTO event_ids (event_id, leaf_index) VALUES (?, ?)'),
      leafOfEventId: db.prepare<[string], { leaf_index: number }>('SELECT leaf_index FROM event_ids WHERE event_id = ?'),
      insertCheckpoint: db.prepare(
        'INSERT OR IGNORE INTO checkpoints (position, tree_size, root_hash, key_id, origin, time, note) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      latestCheckpoint: db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY position DESC LIMIT 1').safeIntegers(true),
      checkpointOfSize: db.prepare<[number], CheckpointRow>(
        'SELECT * FROM checkpoints WHERE tree_size = ? ORDER BY position DESC LIMIT 1',
      ).safeIntegers(true),
      checkpoints: db.prepare<[number], CheckpointRow>('SELECT * FROM checkpoints ORDER BY position DESC LIMIT ?').safeIntegers(true),
      insertKey: db.prepare(
        `INSERT OR IGNORE INTO signing_keys (key_id, key_name, public_key, verifier_key, registered_at, retired_at, position)
         VALUES (?, ?, ?, ?, ?, NULL, ?)`,
      ),
      retireKey: db.prepare('UPDATE signing_keys SET retired_at = ? WHERE key_id = ? AND retired_at IS NULL'),
      keys: db.prepare<[], KeyRow>('SELECT * FROM signing_keys ORDER BY position ASC').safeIntegers(true),
    };
    const state = this.stmt.state.get();
    const size = state ? Number(state.size) : 0;
    this.coveredPosition = state ? state.position : 0n;
    this.tails = this.loadTails(size);
    this.frontier = MerkleFrontier.load(size, this);
  }

  /** Number of leaves (events) in the tree. */
  get size(): number {
    return this.frontier.size;
  }

  /** Global position of the last event in the tree (0n when empty). */
  get position(): bigint {
    return this.coveredPosition;
  }

  /**
   * Catches this connection's view up with what another connection (the tree writer thread)
   * committed. Reads one consistent snapshot; complete tiles and roots stay cached, they never change.
   */
  refresh(): void {
    this.db.transaction(() => {
      const state = this.stmt.state.get();
      const size = state ? Number(state.size) : 0;
      if (size === this.size) return;
      this.tails = this.loadTails(size);
      this.frontier = MerkleFrontier.load(size, this);
      this.coveredPosition = state!.position;
    })();
  }

  /** Adds events (in log order) as leaves; replays of events already in the tree are skipped. */
  append(events: readonly TreeEvent[]): void {
    const fresh = events.filter((event) => event.position > this.coveredPosition);
    if (fresh.length === 0) return;
    const frontier = this.frontier.clone();
    const tails = new Map([...this.tails].map(([level, tile]) => [level, { ...tile, hashes: [...tile.hashes] }]));
    const dirty = new Set<Tile>();
    const add = (level: number, index: number, hash: Buffer) => {
      let tile = tails.get(level);
      const tileIndex = Math.floor(index / TILE_WIDTH);
      if (!tile || tile.index !== tileIndex) {
        tile = { level, index: tileIndex, hashes: [] };
        tails.set(level, tile);
      }
      tile.hashes.push(hash);
      dirty.add(tile);
    };
    let position = this.coveredPosition;
    this.db.transaction(() => {
      for (const event of fresh) {
        const leafIndex = frontier.size;
        if (leafIndex === 0 || event.position !== position + 1n) this.stmt.insertRun.run(leafIndex, event.position);
        if (this.indexesEventIds) this.stmt.insertEventId.run(event.id, leafIndex);
        const hash = eventLeafHash(event);
        add(0, leafIndex, hash);
        frontier.append(hash, (level, index, node) => {
          if (level % TILE_HEIGHT === 0) add(level / TILE_HEIGHT, index, node);
        });
        if (isLedgerCheckpointStream(event.streamId)) this.project(event as TreeEvent & LedgerCheckpointEvent);
        position = event.position;
      }
      for (const tile of dirty) this.stmt.saveTile.run(tile.level, tile.index, Buffer.concat(tile.hashes));
      this.stmt.saveState.run(frontier.size, position);
    })();
    this.frontier = frontier;
    this.tails = tails;
    this.coveredPosition = position;
  }

  perfect(level: number, index: number): Buffer {
    const height = level % TILE_HEIGHT;
    const first = index * 2 ** height;
    const pyramid = this.pyramid(Math.floor(level / TILE_HEIGHT), Math.floor(first / TILE_WIDTH));
    const node = pyramid[height]?.[(first % TILE_WIDTH) / 2 ** height];
    if (!node) throw new TreeStoreDamaged(`no complete subtree at level ${level}, index ${index}`);
    return node;
  }

  root(size = this.size): Buffer {
    if (size === this.size) return this.frontier.root();
    if (!Number.isInteger(size) || size < 0 || size > this.size) throw new RangeError(`the tree has ${this.size} leaves, not ${size}`);
    let root = this.roots.get(size);
    if (!root) {
      root = subtreeHash(this, 0, size);
      if (this.roots.size >= ROOT_CACHE) this.roots.delete(this.roots.keys().next().value!);
      this.roots.set(size, root);
    }
    return root;
  }

  /** Checked before it is handed out: a damaged file fails loudly instead of serving a proof that cannot verify. */
  inclusionProof(leafIndex: number, treeSize: number): Buffer[] {
    this.requireSize(treeSize);
    const proof = inclusionProof(this, leafIndex, treeSize);
    if (!verifyInclusion(leafIndex, treeSize, this.perfect(0, leafIndex), proof, this.root(treeSize))) {
      throw new TreeStoreDamaged(`the inclusion proof of leaf ${leafIndex} in tree size ${treeSize} does not verify`);
    }
    return proof;
  }

  consistencyProof(from: number, to: number): Buffer[] {
    this.requireSize(to);
    const proof = consistencyProof(this, from, to);
    if (!verifyConsistency(from, to, proof, this.root(from), this.root(to))) {
      throw new TreeStoreDamaged(`the consistency proof from tree size ${from} to ${to} does not verify`);
    }
    return proof;
  }

  /** Only when the store keeps the event id index (see `indexEventIds`). */
  leafOfEventId(eventId: string): LeafRecord | null {
    const row = this.stmt.leafOfEventId.get(eventId);
    return row ? { leafIndex: Number(row.leaf_index), position: this.positionOfLeaf(Number(row.leaf_index)) } : null;
  }

  leafAtPosition(position: bigint): LeafRecord | null {
    const run = this.stmt.runAtOrBeforePosition.get(position);
    if (!run) return null;
    const leafIndex = Number(run.leaf_index + (position - run.position));
    return leafIndex < this.runEnd(run) ? { leafIndex, position } : null;
  }

  firstLeafAtOrAfter(position: bigint): LeafRecord | null {
    const found = this.leafAtPosition(position);
    if (found) return found;
    const next = this.stmt.runAfterPosition.get(position);
    return next ? { leafIndex: Number(next.leaf_index), position: next.position } : null;
  }

  lastLeafAtOrBefore(position: bigint): LeafRecord | null {
    const run = this.stmt.runAtOrBeforePosition.get(position);
    if (!run) return null;
    const leafIndex = Math.min(Number(run.leaf_index + (position - run.position)), this.runEnd(run) - 1);
    return { leafIndex, position: run.position + BigInt(leafIndex - Number(run.leaf_index)) };
  }

  positionOfLeaf(leafIndex: number): bigint {
    const run = this.stmt.runAtOrBeforeLeaf.get(leafIndex);
    if (!run || leafIndex >= this.size) throw new RangeError(`no leaf ${leafIndex} in a tree of ${this.size}`);
    return run.position + BigInt(leafIndex - Number(run.leaf_index));
  }

  /** Stored leaf hashes in index order, a tile at a time (for the offline store check). */
  leafHashes(fromIndex: number): Buffer[] {
    const tail = this.tails.get(0);
    const tileIndex = Math.floor(fromIndex / TILE_WIDTH);
    const hashes = tail && tail.index === tileIndex ? tail.hashes : this.readTile(0, tileIndex);
    return hashes.slice(fromIndex % TILE_WIDTH);
  }

  latestCheckpoint(): StoredCheckpoint | null {
    return toCheckpoint(this.stmt.latestCheckpoint.get());
  }

  checkpointOfSize(treeSize: number): StoredCheckpoint | null {
    return toCheckpoint(this.stmt.checkpointOfSize.get(treeSize));
  }

  /** Newest first. */
  checkpoints(limit: number): StoredCheckpoint[] {
    return this.stmt.checkpoints.all(limit).map((row) => toCheckpoint(row)!);
  }

  signingKeys(): SigningKeyRecord[] {
    return this.stmt.keys.all().map((row) => ({
      keyId: row.key_id,
      keyName: row.key_name,
      publicKeyPem: row.public_key,
      verifierKey: row.verifier_key,
      registeredAt: row.registered_at,
      retiredAt: row.retired_at,
      position: row.position,
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private requireSize(treeSize: number): void {
    if (!Number.isInteger(treeSize) || treeSize < 1 || treeSize > this.size) {
      throw new RangeError(`tree size ${treeSize} is not between 1 and the current size ${this.size}`);
    }
  }

  /** One past the last leaf of the run starting at `run`. */
  private runEnd(run: Run): number {
    const next = this.stmt.runAfterLeaf.get(run.leaf_index);
    return next ? Number(next.leaf_index) : this.size;
  }

  /** A tile's hashes and every complete subtree inside it; complete tiles never change, so they are cached. */
  private pyramid(level: number, index: number): Buffer[][] {
    const tail = this.tails.get(level);
    if (tail && tail.index === index) {
      const cached = this.tailPyramids.get(level);
      if (cached && cached.tile === tail && cached.length === tail.hashes.length) return cached.pyramid;
      const pyramid = pyramidOf(tail.hashes);
      this.tailPyramids.set(level, { tile: tail, length: tail.hashes.length, pyramid });
      return pyramid;
    }
    const key = `${level}/${index}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const pyramid = pyramidOf(this.readTile(level, index));
    if (pyramid[0]!.length === TILE_WIDTH) {
      if (this.cache.size >= TILE_CACHE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, pyramid);
    }
    return pyramid;
  }

  private readTile(level: number, index: number): Buffer[] {
    const row = this.stmt.tile.get(level, index);
    if (!row) return [];
    const hashes: Buffer[] = [];
    for (let offset = 0; offset + HASH_BYTES <= row.hashes.length; offset += HASH_BYTES) hashes.push(row.hashes.subarray(offset, offset + HASH_BYTES));
    return hashes;
  }

  /** The rightmost tile of every tile level, as far as it is filled at `size` leaves. */
  private loadTails(size: number): Map<number, Tile> {
    const tails = new Map<number, Tile>();
    for (let level = 0; ; level++) {
      const nodes = Math.floor(size / 2 ** (TILE_HEIGHT * level));
      if (nodes === 0) break;
      const index = Math.floor(nodes / TILE_WIDTH);
      const filled = nodes % TILE_WIDTH;
      const hashes = filled === 0 ? [] : this.readTile(level, index).slice(0, filled);
      if (hashes.length !== filled) {
        throw new TreeStoreDamaged(`tile ${level}/${index} misses hashes`);
      }
      tails.set(level, { level, index, hashes });
    }
    return tails;
  }

  private project(event: TreeEvent & LedgerCheckpointEvent): void {
    switch (event.type) {
      case 'CheckpointSigned': {
        const d = event.data;
        const time = /\ntime (\S+)\n/.exec(d.checkpoint)?.[1] ?? d.at;
        this.stmt.insertCheckpoint.run(event.position, d.treeSize, d.rootHash, d.keyId, d.origin, time, d.checkpoint);
        return;
      }
      case 'SigningKeyRegistered': {
        const d = event.data;
        this.stmt.insertKey.run(d.keyId, d.keyName, d.publicKey, d.verifierKey, d.at, event.position);
        if (d.replaces) this.stmt.retireKey.run(d.at, d.replaces);
        return;
      }
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }
}

function toCheckpoint(row: CheckpointRow | undefined): StoredCheckpoint | null {
  if (!row) return null;
  return {
    origin: row.origin,
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    time: row.time,
    keyId: row.key_id,
    note: row.note,
    position: row.position,
  };
}

/** rows[h][i]: the root of the 2^h hashes starting at i * 2^h, for every complete such group. */
function pyramidOf(hashes: Buffer[]): Buffer[][] {
  const rows = [hashes];
  for (let below = hashes; below.length >= 2; ) {
    const row: Buffer[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) row.push(nodeHash(below[i]!, below[i + 1]!));
    rows.push(row);
    below = row;
  }
  return rows;
}
