import Database from 'better-sqlite3';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedMetadata } from '@ledger/eventstore';
import { ChainFollower, describeEvent } from './chain-follower';
import { CheckpointFormatError, parseCheckpoint, verifyCheckpointSignature, type ParsedCheckpoint } from './checkpoint';
import { eventLeafHash } from './event-leaf';
import { LEDGER_CHECKPOINT_CATEGORY, type CheckpointSigned, type SigningKeyRegistered } from './ledger-checkpoint.events';
import { MerkleFrontier } from './merkle';
import { MerkleTreeStore } from './merkle-tree-store';
import { TRANSPARENCY_DB } from './transparency-log';
import { parsePublicKey, rawEd25519 } from './signing-key';

export interface VerifyStoreOptions {
  dataDir: string;
  /** Keys obtained independently (pinned). When absent, the keys found beside the store are trusted, with a warning. */
  publicKeyPems?: string[];
  /** Where the deployment's private key is, to derive its public key when no key is pinned. */
  keyFile?: string;
}

export type StoreVerdict =
  | {
      ok: true;
      events: number;
      streams: number;
      checkpointsVerified: number;
      latest: { treeSize: number; rootHash: string; keyId: string; time: string | null } | null;
      /** Events after the latest signed checkpoint: chained, but not yet under a signature. */
      uncovered: number;
      warnings: string[];
    }
  | { ok: false; problem: string; warnings: string[] };

interface EventRow {
  position: bigint;
  stream_id: string;
  revision: bigint;
  event_id: string;
  type: string;
  schema_version: bigint;
  data: string;
  metadata: string;
  prev_hash: string;
  hash: string;
}

interface RecordedCheckpoint {
  position: bigint;
  source: string;
  parsed: ParsedCheckpoint;
}

class Failure extends Error {}

const PAGE = 5000;

/**
 * Checks a whole local SQLite store offline, without the service: every stream's hash chain,
 * the Merkle tree recomputed from the events and compared with every signed checkpoint (whose
 * signatures are checked), and, when transparency.sqlite is there, every leaf against the one
 * recorded when the event was appended. Stops at the first thing that does not verify, in log order.
 */
export function verifyStore(options: VerifyStoreOptions): StoreVerdict {
  const warnings: string[] = [];
  const eventsFile = join(options.dataDir, 'events.sqlite');
  if (!existsSync(eventsFile)) return { ok: false, problem: `no event store at ${eventsFile}`, warnings };
  const db = new Database(eventsFile, { readonly: true, fileMustExist: true });
  let tree: MerkleTreeStore | null = null;
  try {
    tree = openTree(options.dataDir, warnings);
    return check(db, tree, options, warnings);
  } catch (error) {
    if (error instanceof Failure) return { ok: false, problem: error.message, warnings };
    throw error;
  } finally {
    tree?.close();
    db.close();
  }
}

function openTree(dataDir: string, warnings: string[]): MerkleTreeStore | null {
  const file = join(dataDir, TRANSPARENCY_DB);
  if (!existsSync(file)) {
    warnings.push(`no ${TRANSPARENCY_DB}: leaves are checked only through signed checkpoints`);
    return null;
  }
  try {
    return new MerkleTreeStore(file, { readonly: true });
  } catch (error) {
    warnings.push(`${TRANSPARENCY_DB} cannot be read (${(error as Error).message}): leaves are checked only through signed checkpoints`);
    return null;
  }
}

function check(db: Database.Database, tree: MerkleTreeStore | null, options: VerifyStoreOptions, warnings: string[]): StoreVerdict {
  const page = db.prepare<[bigint, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?').safeIntegers(true);
  // Read after the tree was opened: everything the tree covers is at or before `head`, and events
  // a running service appends meanwhile are left for the next check.
  const head = db.prepare<[], { position: bigint | null }>('SELECT MAX(position) AS position FROM events').safeIntegers(true).get()?.position ?? 0n;

  const recorded = recordedCheckpoints(db, tree, head, warnings);
  const keys = trustedKeys(db, tree, options, warnings);
  const sizes = new Set([...recorded.values()].flat().map((c) => c.parsed.treeSize));
  const roots = new Map<number, Buffer>();

  const chains = new ChainFollower(true);
  const frontier = MerkleFrontier.empty();
  let stored: Buffer[] = [];
  let storedFrom = 0;
  let verified = 0;
  let latest: ParsedCheckpoint | null = null;
  let latestKey = '';
  let after = 0n;
  let expectedPosition = 1n;

  const checkRecorded = (checkpoints: RecordedCheckpoint[]) => {
    for (const checkpoint of checkpoints) {
      const where = checkpoint.source;
      let verdict: ReturnType<typeof verifyCheckpointSignature> = { ok: false, reason: 'no trusted key' };
      for (const key of keys) {
        verdict = verifyCheckpointSignature(checkpoint.parsed, key);
        if (verdict.ok || !verdict.reason.startsWith('the checkpoint is not signed by the trusted key')) break;
      }
      if (!verdict.ok) {
        throw new Failure(
          `${where}: ${verdict.reason.startsWith('the checkpoint is not signed by the trusted key') ? `the checkpoint is not signed by any trusted key (it carries key ids: ${checkpoint.parsed.signatures.map((s) => s.keyId).join(', ')})` : verdict.reason}`,
        );
      }
      const root = roots.get(checkpoint.parsed.treeSize);
      if (!root) {
        throw new Failure(`${where}: the checkpoint covers ${checkpoint.parsed.treeSize} events, but the log has only ${frontier.size} before it: events were removed`);
      }
      if (!root.equals(checkpoint.parsed.rootHash)) {
        throw new Failure(
          `${where}: the Merkle root of the first ${checkpoint.parsed.treeSize} events, recomputed from the store, does not match the signed root: one of those events was changed, removed, added or reordered after the checkpoint was signed`,
        );
      }
      verified += 1;
      if (!latest || checkpoint.parsed.treeSize >= latest.treeSize) {
        latest = checkpoint.parsed;
        latestKey = verdict.keyId;
      }
    }
  };

  scan: for (;;) {
    const rows = page.all(after, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.position > head) break scan;
      const event = toEvent(row);
      const what = describeEvent(event);
      if (row.position !== expectedPosition) {
        throw new Failure(
          row.position > expectedPosition
            ? `no event at position ${expectedPosition}${row.position - expectedPosition > 1n ? `..${row.position - 1n}` : ''} (the next is ${what}): events were removed from the log`
            : `${what} is out of position order`,
        );
      }
      expectedPosition = row.position + 1n;
      const problem = chains.check(event);
      if (problem) throw new Failure(`${what}: ${problem}`);
      const leaf = eventLeafHash(event);
      const leafIndex = frontier.size;
      if (tree && leafIndex < tree.size) {
        if (leafIndex < storedFrom || leafIndex >= storedFrom + stored.length) {
          stored = tree.leafHashes(leafIndex);
          storedFrom = leafIndex;
        }
        const recordedLeaf = stored[leafIndex - storedFrom];
        if (recordedLeaf && !recordedLeaf.equals(leaf)) {
          throw new Failure(
            `${what}: its leaf (leaf ${leafIndex}) differs from the one recorded in ${TRANSPARENCY_DB} when it was appended: the event was changed afterwards (or ${TRANSPARENCY_DB} was)`,
          );
        }
      }
      frontier.append(leaf);
      if (sizes.has(frontier.size)) roots.set(frontier.size, frontier.root());
      const atThisPosition = recorded.get(row.position.toString());
      if (atThisPosition) {
        checkRecorded(atThisPosition);
        recorded.delete(row.position.toString());
      }
    }
    after = rows[rows.length - 1]!.position;
  }

  // Checkpoints whose CheckpointSigned record lies beyond the end of the log as it is now.
  for (const checkpoints of recorded.values()) {
    checkRecorded(checkpoints);
    const first = checkpoints[0]!;
    throw new Failure(`${first.source}: it was recorded at position ${first.position}, beyond the last event in the log (${after}): events were removed from the end of the log`);
  }
  if (tree && tree.size > frontier.size) {
    throw new Failure(`${TRANSPARENCY_DB} holds ${tree.size} leaves but the log has only ${frontier.size} events: events were removed from the end of the log`);
  }
  const final = latest as ParsedCheckpoint | null;
  if (!final) warnings.push('no signed checkpoint found: only the hash chains were checked');
  return {
    ok: true,
    events: frontier.size,
    streams: chains.streams,
    checkpointsVerified: verified,
    latest: final ? { treeSize: final.treeSize, rootHash: final.rootHash.toString('base64'), keyId: latestKey, time: final.time } : null,
    uncovered: frontier.size - (final?.treeSize ?? 0),
    warnings,
  };
}

function toEvent(row: EventRow) {
  const what = `event ${row.event_id} (stream ${row.stream_id}, revision ${row.revision}, position ${row.position})`;
  let data: unknown;
  let metadata: RecordedMetadata;
  try {
    data = JSON.parse(row.data);
    metadata = JSON.parse(row.metadata) as RecordedMetadata;
  } catch {
    throw new Failure(`${what}: its stored data or metadata is not valid JSON: the row was edited`);
  }
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: row.position,
    type: row.type,
    schemaVersion: Number(row.schema_version),
    data,
    metadata,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** CheckpointSigned events in the log, by position; plus checkpoints kept only in transparency.sqlite. */
function recordedCheckpoints(db: Database.Database, tree: MerkleTreeStore | null, head: bigint, warnings: string[]): Map<string, RecordedCheckpoint[]> {
  const byPosition = new Map<string, RecordedCheckpoint[]>();
  const seen = new Set<string>();
  const rows = db
    .prepare<[string, string, bigint], { position: bigint; data: string }>(
      `SELECT position, data FROM events WHERE stream_id >= ? AND stream_id < ? AND type = 'CheckpointSigned' AND position <= ? ORDER BY position`,
    )
    .safeIntegers(true)
    .all(`${LEDGER_CHECKPOINT_CATEGORY}-`, `${LEDGER_CHECKPOINT_CATEGORY}.`, head);
  for (const row of rows) {
    const source = `the checkpoint recorded at position ${row.position}`;
    let note: string;
    try {
      note = (JSON.parse(row.data) as CheckpointSigned['data']).checkpoint;
      byPosition.set(row.position.toString(), [{ position: row.position, source, parsed: parseCheckpoint(note) }]);
      seen.add(note);
    } catch (error) {
      const reason = error instanceof CheckpointFormatError ? error.message : 'its data is not valid JSON';
      throw new Failure(`${source}: ${reason}: the record was edited`);
    }
  }
  if (tree) {
    for (const stored of tree.checkpoints(Number.MAX_SAFE_INTEGER)) {
      if (seen.has(stored.note) || stored.position > tree.position) continue;
      const key = stored.position.toString();
      const entry = { position: stored.position, source: `the checkpoint of size ${stored.treeSize} kept in ${TRANSPARENCY_DB}`, parsed: parseCheckpoint(stored.note) };
      byPosition.set(key, [...(byPosition.get(key) ?? []), entry]);
    }
  }
  if (rows.length === 0 && byPosition.size > 0) warnings.push('no CheckpointSigned events in the log, only checkpoints in transparency.sqlite');
  return byPosition;
}

function trustedKeys(db: Database.Database, tree: MerkleTreeStore | null, options: VerifyStoreOptions, warnings: string[]): KeyObject[] {
  if (options.publicKeyPems && options.publicKeyPems.length > 0) {
    return options.publicKeyPems.map((pem) => {
      try {
        return parsePublicKey(pem);
      } catch (error) {
        throw new Failure(`the public key given is not an Ed25519 public key in PEM form (${(error as Error).message})`);
      }
    });
  }
  const found: KeyObject[] = [];
  const add = (pem: string) => {
    try {
      const key = createPublicKey(pem);
      if (!found.some((k) => rawEd25519(k).equals(rawEd25519(key)))) found.push(key);
    } catch {
      /* not a key: ignored, the signature checks will say what is missing */
    }
  };
  if (options.keyFile && existsSync(options.keyFile)) add(readFileSync(options.keyFile, 'utf8'));
  const registered = db
    .prepare<[string, string], { data: string }>(
      `SELECT data FROM events WHERE stream_id >= ? AND stream_id < ? AND type = 'SigningKeyRegistered' ORDER BY position`,
    )
    .all(`${LEDGER_CHECKPOINT_CATEGORY}-`, `${LEDGER_CHECKPOINT_CATEGORY}.`);
  for (const row of registered) {
    try {
      add((JSON.parse(row.data) as SigningKeyRegistered['data']).publicKey);
    } catch {
      /* an edited record fails its hash chain in the main pass */
    }
  }
  for (const key of tree?.signingKeys() ?? []) add(key.publicKeyPem);
  warnings.push(
    `no --public-key given: trusting the ${found.length} key(s) found beside the store (key file and registered keys); pin the key you obtained independently with --public-key`,
  );
  return found;
}

