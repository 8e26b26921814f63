import Database from 'better-sqlite3';
import { SqliteEventStore, type EventStore, type NewEvent } from '@ledger/eventstore';
import { tempDir, type TempDir } from '@ledger/testing';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint, verifyCheckpointSignature } from './checkpoint';
import { eventLeafHash } from './event-leaf';
import { MemoryMerkleTree, inclusionProof, verifyConsistency, verifyInclusion } from './merkle';
import { parsePublicKey } from './signing-key';
import { TransparencyLog, type TransparencyLogOptions } from './transparency-log';
import { verifyBundle } from './verify-bundle';

const ORIGIN = 'ledger.test/int';
const admin = { actor: 'admin', correlationId: 'corr-1' };

function userEvent(userName: string): NewEvent {
  return { type: 'UserProvisioned', data: { userName, at: '2026-03-03T10:00:00.000Z' }, metadata: { tenant: 'acme', correlationId: 'c', actor: 'token:t' } };
}

describe('TransparencyLog over the SQLite store', () => {
  let dir: TempDir;
  let store: SqliteEventStore;
  let sut: TransparencyLog;
  const options = (overrides: Partial<TransparencyLogOptions> = {}): TransparencyLogOptions => ({
    store,
    dataDir: dir.path,
    keyFile: join(dir.path, 'keys', 'ledger-signing-key.pem'),
    origin: ORIGIN,
    checkpointIntervalSeconds: 0,
    ...overrides,
  });
  const appendUsers = async (count: number, prefix = 'user') => {
    for (let i = 0; i < count; i++) await store.append(`user-acme:${prefix}${i}`, [userEvent(`${prefix}${i}@acme.test`)], 'no_stream');
  };
  const treeOfLog = async () => MemoryMerkleTree.of((await store.readAll({ maxCount: 100_000 })).map(eventLeafHash));

  beforeEach(async () => {
    dir = await tempDir('transparency');
    store = new SqliteEventStore({ path: join(dir.path, 'events.sqlite') });
    sut = TransparencyLog.open(options());
    sut.start();
  });
  afterEach(async () => {
    await sut.stop();
    await store.close();
    await dir.remove();
  });

  it('generates the signing key once, readable by its owner only, and keeps it across restarts', async () => {
    expect(sut.keyCreated).toBe(true);
    expect(statSync(join(dir.path, 'keys', 'ledger-signing-key.pem')).mode & 0o777).toBe(0o600);
    const keyId = sut.keyId;
    await sut.stop();
    sut = TransparencyLog.open(options());
    expect(sut.keyCreated).toBe(false);
    expect(sut.keyId).toBe(keyId);
  });

  it('keeps the tree equal to one recomputed from the log, and resumes it after a restart', async () => {
    await appendUsers(37);
    await sut.maintainer.waitFor(await store.headPosition());
    expect(sut.tree.root().equals((await treeOfLog()).root())).toBe(true);

    await sut.stop();
    await appendUsers(20, 'later');
    sut = TransparencyLog.open(options());
    sut.start();
    await sut.maintainer.waitFor(await store.headPosition());
    expect(sut.tree.size).toBe(57);
    expect(sut.tree.root().equals((await treeOfLog()).root())).toBe(true);
  });

  it('rebuilds the same tree from the log when transparency.sqlite is lost', async () => {
    await appendUsers(10);
    const checkpoint = await sut.signCheckpoint(admin);
    await sut.stop();
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir.path, `transparency.sqlite${suffix}`), { force: true });
    sut = TransparencyLog.open(options());
    sut.start();
    await sut.maintainer.waitFor(await store.headPosition());
    expect(sut.tree.root(checkpoint.treeSize).toString('base64')).toBe(checkpoint.rootHash);
    expect(sut.latestCheckpoint()).toEqual(checkpoint);
  });

  it('rebuilds a transparency.sqlite that no longer reproduces its checkpoint, saying so', async () => {
    await appendUsers(300);
    const checkpoint = await sut.signCheckpoint(admin);
    await sut.stop();
    const damage = new Database(join(dir.path, 'transparency.sqlite'));
    damage.prepare('UPDATE tiles SET hashes = zeroblob(length(hashes)) WHERE level = 1').run();
    damage.close();
    const warnings: string[] = [];
    sut = TransparencyLog.open(options({ logger: { log: () => undefined, warn: (m) => warnings.push(m), error: () => undefined } }));
    sut.start();
    await sut.maintainer.waitFor(await store.headPosition());
    expect(warnings).toEqual([expect.stringContaining('does not reproduce the root of its latest checkpoint')]);
    expect(sut.tree.root(checkpoint.treeSize).toString('base64')).toBe(checkpoint.rootHash);
  });

  it('refuses to hand out a proof from damaged leaf hashes', async () => {
    await appendUsers(300);
    await sut.signCheckpoint(admin);
    await sut.stop();
    // The first 256 leaves: the checkpoint's root is built from the tile above them, so it still matches.
    const damage = new Database(join(dir.path, 'transparency.sqlite'));
    damage.prepare('UPDATE tiles SET hashes = zeroblob(length(hashes)) WHERE level = 0 AND idx = 0').run();
    damage.close();
    sut = TransparencyLog.open(options());
    sut.start();
    const [first] = await store.readAll({ maxCount: 1 });
    await expect(sut.inclusionProof({ eventId: first!.id }, admin)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('transparency.sqlite is damaged') });
  });

  it('signs a checkpoint covering every acknowledged event and records it in the log', async () => {
    await appendUsers(5);
    const checkpoint = await sut.signCheckpoint(admin);

    const log = await store.readAll({ maxCount: 1000 });
    const recorded = log.filter((e) => e.streamId === 'ledgerCheckpoint-ledger.test_int');
    expect(recorded.map((e) => e.type)).toEqual(['SigningKeyRegistered', 'CheckpointSigned']);
    expect(recorded[1]!.metadata).toMatchObject({ tenant: '_ledger', actor: 'admin', correlationId: 'corr-1' });
    expect(recorded[1]!.data).toMatchObject({ treeSize: 6, keyId: sut.keyId, checkpoint: checkpoint.note });
    // The key registration is inside the tree the checkpoint signs; the checkpoint record itself is not.
    expect(checkpoint.treeSize).toBe(6);
    expect(checkpoint.position).toBe(recorded[1]!.position);

    const parsed = parseCheckpoint(checkpoint.note);
    expect(verifyCheckpointSignature(parsed, parsePublicKey(sut.publicKeyPem))).toMatchObject({ ok: true, keyId: sut.keyId });
    expect(parsed.rootHash.equals(MemoryMerkleTree.of(log.slice(0, 6).map(eventLeafHash)).root())).toBe(true);
  });

  it('answers inclusion proofs that match a full recomputation, by event id or by position', async () => {
    await appendUsers(12);
    const checkpoint = await sut.signCheckpoint(admin);
    const log = await store.readAll({ maxCount: 1000 });
    const target = log[7]!;
    const byId = await sut.inclusionProof({ eventId: target.id }, admin);
    const byPosition = await sut.inclusionProof({ position: target.position }, admin);
    expect(byPosition).toEqual(byId);
    expect(byId).toMatchObject({ leafIndex: 7, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, checkpoint: checkpoint.note });
    const reference = MemoryMerkleTree.of(log.slice(0, checkpoint.treeSize).map(eventLeafHash));
    expect(byId.proof).toEqual(inclusionProof(reference, 7, checkpoint.treeSize).map((h) => h.toString('base64')));
    const leaf = eventLeafHash(target);
    expect(verifyInclusion(7, checkpoint.treeSize, leaf, byId.proof.map((p) => Buffer.from(p, 'base64')), Buffer.from(checkpoint.rootHash, 'base64'))).toBe(true);
    await expect(sut.inclusionProof({ eventId: 'no-such-event' }, admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('signs a fresh checkpoint when asked to prove an event the latest one does not cover', async () => {
    await appendUsers(3);
    const first = await sut.signCheckpoint(admin);
    await appendUsers(2, 'new');
    const [newest] = await store.readAll({ after: (await store.headPosition()) - 1n });
    const proof = await sut.inclusionProof({ eventId: newest!.id }, admin);
    expect(proof.treeSize).toBeGreaterThan(first.treeSize);
    expect(sut.latestCheckpoint()!.treeSize).toBe(proof.treeSize);
  });

  it('proves two checkpoints consistent', async () => {
    await appendUsers(9);
    const older = await sut.signCheckpoint(admin);
    await appendUsers(23, 'more');
    const newer = await sut.signCheckpoint(admin);
    const answer = await sut.consistencyProof(older.treeSize, newer.treeSize);
    expect(answer).toMatchObject({ fromRoot: older.rootHash, toRoot: newer.rootHash, checkpoints: { from: older.note, to: newer.note } });
    const proof = answer.proof.map((p) => Buffer.from(p, 'base64'));
    expect(verifyConsistency(older.treeSize, newer.treeSize, proof, Buffer.from(older.rootHash, 'base64'), Buffer.from(newer.rootHash, 'base64'))).toBe(true);
    await expect(sut.consistencyProof(newer.treeSize + 1, newer.treeSize)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('rotates the key: old checkpoints keep verifying with the old public key, which stays listed', async () => {
    await appendUsers(4);
    const before = await sut.signCheckpoint(admin);
    const oldPem = sut.publicKeyPem;
    const rotated = await sut.rotateKey(admin);

    expect(rotated.previousKeyId).toBe(before.keyId);
    expect(rotated.keyId).not.toBe(before.keyId);
    expect(rotated.checkpoint.keyId).toBe(rotated.keyId);
    expect(sut.publicKeys().map((k) => [k.keyId, k.status])).toEqual([
      [before.keyId, 'retired'],
      [rotated.keyId, 'current'],
    ]);
    expect(verifyCheckpointSignature(parseCheckpoint(before.note), parsePublicKey(oldPem))).toMatchObject({ ok: true });
    expect(verifyCheckpointSignature(parseCheckpoint(rotated.checkpoint.note), parsePublicKey(sut.publicKeyPem))).toMatchObject({ ok: true });

    await sut.stop();
    sut = TransparencyLog.open(options());
    expect(sut.keyId).toBe(rotated.keyId);
  });

  it('exports a range bundle that verifies offline', async () => {
    await appendUsers(30);
    const lines: string[] = [];
    for await (const line of sut.bundleRange(5n, 20n, admin)) lines.push(line);
    const verdict = verifyBundle(`${lines.join('\n')}\n`, sut.publicKeyPem);
    expect(verdict).toMatchObject({ ok: true, events: 16, manifestSigned: true });
  });

  it('builds a bundle of chosen events for an export, with a checkpoint by the current key', async () => {
    await appendUsers(6);
    const chosen = (await store.readAll({ maxCount: 100 })).filter((_, i) => i % 2 === 0);
    const bundle = await sut.buildBundle(chosen, 'tenant acme, every other event');
    expect(verifyBundle(bundle, sut.publicKeyPem)).toMatchObject({ ok: true, events: 3, manifestSigned: true });
  });

  it('follows any other store through the port: subscription, event id table, same proofs', async () => {
    await sut.stop();
    // Any EventStore that is not the SQLite adapter (EventStoreDB in production).
    const throughPort: EventStore = {
      append: (...args) => store.append(...args),
      readStream: (...args) => store.readStream(...args),
      readAll: (...args) => store.readAll(...args),
      headPosition: () => store.headPosition(),
      subscribeToAll: (...args) => store.subscribeToAll(...args),
      loadCheckpoint: (...args) => store.loadCheckpoint(...args),
      saveCheckpoint: (...args) => store.saveCheckpoint(...args),
      close: async () => undefined,
    };
    sut = TransparencyLog.open(options({ store: throughPort, dataDir: join(dir.path, 'port') }));
    sut.start();
    expect(sut.tree.indexesEventIds).toBe(true);
    await appendUsers(40);
    const checkpoint = await sut.signCheckpoint(admin);
    expect(sut.tree.root(checkpoint.treeSize).equals((await treeOfLog()).root(checkpoint.treeSize))).toBe(true);
    const [event] = await store.readAll({ after: 9n, maxCount: 1 });
    expect(await sut.inclusionProof({ eventId: event!.id }, admin)).toMatchObject({ leafIndex: 9, treeSize: checkpoint.treeSize });
    const lines: string[] = [];
    for await (const line of sut.bundleRange(1n, null, admin)) lines.push(line);
    expect(verifyBundle(`${lines.join('\n')}\n`, sut.publicKeyPem)).toMatchObject({ ok: true });
  });

  it('signs on its schedule when the log grew, and not again for its own record', async () => {
    await sut.stop();
    await appendUsers(3);
    sut = TransparencyLog.open(options({ checkpointIntervalSeconds: 1 }));
    sut.start();
    const deadline = Date.now() + 5000;
    while (!sut.latestCheckpoint() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const first = sut.latestCheckpoint();
    expect(first).toMatchObject({ treeSize: 4 });
    await new Promise((r) => setTimeout(r, 2300));
    expect(sut.checkpoints()).toHaveLength(1);
  });
});
