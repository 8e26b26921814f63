import { tempDir, type TempDir } from '@ledger/testing';
import { join } from 'node:path';
import { eventLeafHash } from './event-leaf';
import { MemoryMerkleTree, consistencyProof, inclusionProof } from './merkle';
import { MerkleTreeStore, type TreeEvent } from './merkle-tree-store';

/** Events with the given positions (log order); ids and hashes are made up, the tree does not check them. */
function eventsAt(positions: bigint[]): TreeEvent[] {
  return positions.map((position) => ({
    position,
    streamId: `user-acme:${position % 97n}`,
    revision: Number(position / 97n),
    id: `event-${position}`,
    hash: position.toString(16).padStart(64, '0'),
    type: 'UserProvisioned',
    data: null,
  }));
}

const hex = (hashes: Buffer[]) => hashes.map((h) => h.toString('hex'));

describe('MerkleTreeStore: the tree in transparency.sqlite', () => {
  let dir: TempDir;
  let path: string;
  beforeEach(async () => {
    dir = await tempDir('merkle-store');
    path = join(dir.path, 'transparency.sqlite');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('matches a tree computed in memory at every size, across tile boundaries and restarts', () => {
    // Gapped positions, as an EventStoreDB log has; batches of uneven sizes; reopened now and then.
    const all = eventsAt(Array.from({ length: 1500 }, (_, i) => BigInt(i * 3 + (i % 2) + 1)));
    const reference = MemoryMerkleTree.of(all.map(eventLeafHash));
    let sut = new MerkleTreeStore(path);
    let appended = 0;
    const batches = [1, 254, 1, 1, 300, 7, 255, 256, 257, 168];
    for (const [i, size] of batches.entries()) {
      sut.append(all.slice(appended, appended + size));
      appended += size;
      expect(sut.size).toBe(appended);
      expect(sut.root().equals(reference.root(appended))).toBe(true);
      if (i % 3 === 2) {
        sut.close();
        sut = new MerkleTreeStore(path);
        expect(sut.root().equals(reference.root(appended))).toBe(true);
      }
    }
    for (let size = 1; size <= appended; size += 37) {
      expect(sut.root(size).equals(reference.root(size))).toBe(true);
      const leaf = (size * 7919) % size;
      expect(hex(sut.inclusionProof(leaf, size))).toEqual(hex(inclusionProof(reference, leaf, size)));
      const from = Math.max(1, Math.floor(size / 3));
      expect(hex(sut.consistencyProof(from, size))).toEqual(hex(consistencyProof(reference, from, size)));
    }
    sut.close();
  });

  it('finds leaves by position, including positions that fall in gaps', () => {
    const sut = new MerkleTreeStore(path);
    sut.append(eventsAt([1n, 2n, 3n, 10n, 11n, 20n]));
    expect(sut.leafAtPosition(3n)).toEqual({ leafIndex: 2, position: 3n });
    expect(sut.leafAtPosition(11n)).toEqual({ leafIndex: 4, position: 11n });
    expect(sut.leafAtPosition(5n)).toBeNull();
    expect(sut.leafAtPosition(21n)).toBeNull();
    expect(sut.firstLeafAtOrAfter(5n)).toEqual({ leafIndex: 3, position: 10n });
    expect(sut.firstLeafAtOrAfter(0n)).toEqual({ leafIndex: 0, position: 1n });
    expect(sut.firstLeafAtOrAfter(21n)).toBeNull();
    expect(sut.lastLeafAtOrBefore(15n)).toEqual({ leafIndex: 4, position: 11n });
    expect(sut.lastLeafAtOrBefore(100n)).toEqual({ leafIndex: 5, position: 20n });
    expect(sut.lastLeafAtOrBefore(0n)).toBeNull();
    expect([0, 3, 5].map((i) => sut.positionOfLeaf(i))).toEqual([1n, 10n, 20n]);
    expect(sut.leafOfEventId('event-10')).toEqual({ leafIndex: 3, position: 10n });
    expect(sut.leafOfEventId('nope')).toBeNull();
    sut.close();
  });

  it('stores contiguous positions as one run and no event ids when the store indexes them', () => {
    const sut = new MerkleTreeStore(path, { indexEventIds: false });
    sut.append(eventsAt(Array.from({ length: 600 }, (_, i) => BigInt(i + 1))));
    expect(sut.db.prepare('SELECT COUNT(*) AS n FROM position_runs').get()).toEqual({ n: 1 });
    expect(sut.db.prepare('SELECT COUNT(*) AS n FROM event_ids').get()).toEqual({ n: 0 });
    expect(sut.db.prepare('SELECT level, idx, length(hashes) AS bytes FROM tiles ORDER BY level, idx').all()).toEqual([
      { level: 0, idx: 0, bytes: 256 * 32 },
      { level: 0, idx: 1, bytes: 256 * 32 },
      { level: 0, idx: 2, bytes: 88 * 32 },
      { level: 1, idx: 0, bytes: 2 * 32 },
    ]);
    expect(sut.leafAtPosition(600n)).toEqual({ leafIndex: 599, position: 600n });
    sut.close();
  });

  it('keeps a tree past 65,536 leaves (second tile level) equal to the reference', () => {
    const all = eventsAt(Array.from({ length: 70_001 }, (_, i) => BigInt(i + 1)));
    const reference = MemoryMerkleTree.of(all.map(eventLeafHash));
    let sut = new MerkleTreeStore(path, { indexEventIds: false });
    for (let i = 0; i < all.length; i += 2000) sut.append(all.slice(i, i + 2000));
    sut.close();
    sut = new MerkleTreeStore(path, { indexEventIds: false });
    expect(sut.root().equals(reference.root())).toBe(true);
    for (const [leaf, size] of [[0, 70_001], [65_535, 65_536], [65_536, 70_001], [70_000, 70_001], [12_345, 66_000]] as const) {
      expect(hex(sut.inclusionProof(leaf, size))).toEqual(hex(inclusionProof(reference, leaf, size)));
    }
    expect(hex(sut.consistencyProof(65_536, 70_001))).toEqual(hex(consistencyProof(reference, 65_536, 70_001)));
    expect(sut.root(65_537).equals(reference.root(65_537))).toBe(true);
    sut.close();
  });
});
