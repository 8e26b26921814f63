import fc from 'fast-check';
import {
  EMPTY_ROOT,
  MemoryMerkleTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

// The RFC 6962 reference tree used by Certificate Transparency implementations.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  leafHash(Buffer.from(hex, 'hex')),
);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: Array<[leaf: number, size: number, proof: string[]]> = [
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];
const CONSISTENCY: Array<[from: number, to: number, proof: string[]]> = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

const hex = (hashes: Buffer[]) => hashes.map((h) => h.toString('hex'));
const unhex = (hashes: string[]) => hashes.map((h) => Buffer.from(h, 'hex'));
const treeOf = (size: number) => MemoryMerkleTree.of(Array.from({ length: size }, (_, i) => leafHash(Buffer.from(`leaf-${i}`))));

describe('RFC 6962 Merkle tree', () => {
  const sut = MemoryMerkleTree.of(LEAVES);

  it('has the reference root at every size, the empty tree included', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOTS[0]);
    for (let size = 1; size <= 8; size++) expect(MemoryMerkleTree.of(LEAVES.slice(0, size)).root().toString('hex')).toBe(ROOTS[size]);
    for (let size = 1; size <= 8; size++) expect(sut.root(size).toString('hex')).toBe(ROOTS[size]);
  });

  it.each(INCLUSION)('produces and verifies the reference inclusion proof of leaf %i in a tree of %i', (leaf, size, proof) => {
    expect(hex(inclusionProof(sut, leaf, size))).toEqual(proof);
    expect(verifyInclusion(leaf, size, LEAVES[leaf]!, unhex(proof), Buffer.from(ROOTS[size]!, 'hex'))).toBe(true);
    expect(verifyInclusion(leaf, size, LEAVES[leaf]!, unhex(proof), Buffer.from(ROOTS[size - 1]!, 'hex'))).toBe(false);
  });

  it.each(CONSISTENCY)('produces and verifies the reference consistency proof from %i to %i', (from, to, proof) => {
    expect(hex(consistencyProof(sut, from, to))).toEqual(proof);
    expect(verifyConsistency(from, to, unhex(proof), Buffer.from(ROOTS[from]!, 'hex'), Buffer.from(ROOTS[to]!, 'hex'))).toBe(true);
  });

  it('refuses proofs for leaves outside the tree', () => {
    expect(() => inclusionProof(sut, 8, 8)).toThrow(RangeError);
    expect(() => consistencyProof(sut, 0, 8)).toThrow(RangeError);
    expect(verifyInclusion(8, 8, LEAVES[0]!, [], Buffer.from(ROOTS[8]!, 'hex'))).toBe(false);
  });

  it('verifies the inclusion proof of any leaf, for random tree sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (size, seed) => {
        const tree = treeOf(size);
        const leaf = seed % size;
        const root = tree.root();
        const proof = inclusionProof(tree, leaf, size);
        expect(verifyInclusion(leaf, size, tree.perfect(0, leaf), proof, root)).toBe(true);
        // The proof pins the position: the same leaf claimed elsewhere does not verify.
        if (size > 1) expect(verifyInclusion((leaf + 1) % size, size, tree.perfect(0, leaf), proof, root)).toBe(false);
        expect(verifyInclusion(leaf, size, leafHash(Buffer.from('forged')), proof, root)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('verifies every consistency proof between two random sizes, and rejects a changed old root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const tree = treeOf(to);
        const proof = consistencyProof(tree, from, to);
        expect(verifyConsistency(from, to, proof, tree.root(from), tree.root(to))).toBe(true);
        if (from < to) {
          const other = treeOf(from + 1).root(from + 1);
          expect(verifyConsistency(from, to, proof, other, tree.root(to))).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the root of every earlier size recomputable from stored subtrees as it grows', () => {
    const tree = treeOf(100);
    for (let size = 1; size <= 100; size++) expect(tree.root(size).equals(treeOf(size).root())).toBe(true);
  });
});
