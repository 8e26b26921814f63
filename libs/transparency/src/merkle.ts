import { createHash } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing and proofs. Sizes and indexes are plain numbers
 * (exact up to 2^53 leaves); bit tricks use arithmetic, because JS bitwise operators are 32-bit.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * Where proofs read hashes from. `perfect(level, index)` is the root of the complete subtree of
 * 2^level leaves starting at leaf index * 2^level; callers only ask for subtrees that are complete
 * in the tree they prove against.
 */
export interface SubtreeSource {
  perfect(level: number, index: number): Buffer;
}

/** Largest power of two strictly smaller than n (n >= 2): the RFC's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function log2Exact(n: number): number | null {
  let level = 0;
  let size = 1;
  while (size < n) {
    size *= 2;
    level++;
  }
  return size === n ? level : null;
}

/** MTH(D[start:end]), reading stored perfect subtrees where the range is one. */
export function subtreeHash(source: SubtreeSource, start: number, end: number): Buffer {
  const n = end - start;
  if (n <= 0) return EMPTY_ROOT;
  const level = log2Exact(n);
  if (level !== null && start % n === 0) return source.perfect(level, start / n);
  const k = splitPoint(n);
  return nodeHash(subtreeHash(source, start, start + k), subtreeHash(source, start + k, end));
}

/** RFC 9162 2.1.3.1 PATH(m, D[n]): sibling hashes from the leaf up to the root. */
export function inclusionProof(source: SubtreeSource, index: number, size: number): Buffer[] {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf ${index} is not in a tree of ${size} leaves`);
  }
  const path: Buffer[] = [];
  let start = 0;
  let end = size;
  let m = index;
  // Walk down from the root; siblings are found top-down, the proof lists them bottom-up.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push(subtreeHash(source, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeHash(source, start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** RFC 9162 2.1.4.1 PROOF(m, D[n]): shows the tree of size `from` is a prefix of the tree of size `to`. */
export function consistencyProof(source: SubtreeSource, from: number, to: number): Buffer[] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || from > to) {
    throw new RangeError(`no consistency proof from size ${from} to size ${to}`);
  }
  const proof: Buffer[] = [];
  let start = 0;
  let end = to;
  let m = from;
  let complete = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push(subtreeHash(source, start + k, end));
      end = start + k;
    } else {
      proof.push(subtreeHash(source, start, start + k));
      start += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) proof.push(subtreeHash(source, start, end));
  return proof.reverse();
}

const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/** RFC 9162 2.1.3.2: recomputes the root from a leaf hash and its proof. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer | null {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return null;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  return computed !== null && computed.equals(root);
}

/** RFC 9162 2.1.4.2. */
export function verifyConsistency(
  from: number,
  to: number,
  proof: readonly Uint8Array[],
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
): boolean {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || from > to) return false;
  if (from === to) return proof.length === 0 && Buffer.from(fromRoot).equals(toRoot);
  const path = log2Exact(from) !== null ? [fromRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(fromRoot) && sr.equals(toRoot);
}

export interface FrontierEntry {
  level: number;
  hash: Buffer;
}

/**
 * The right edge of the tree: one complete subtree per set bit of the size (a compact range).
 * Appending costs O(1) amortized hashes and reports each subtree it completes, which is what
 * gets stored so proofs become O(log n) reads.
 */
export class MerkleFrontier {
  private constructor(
    private count: number,
    private readonly stack: FrontierEntry[],
  ) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier(0, []);
  }

  /** Rebuilds the right edge of a tree of `size` leaves from its stored complete subtrees. */
  static load(size: number, source: SubtreeSource): MerkleFrontier {
    const stack: FrontierEntry[] = [];
    let start = 0;
    for (const level of setBitsHighToLow(size)) {
      const width = 2 ** level;
      stack.push({ level, hash: source.perfect(level, start / width) });
      start += width;
    }
    return new MerkleFrontier(size, stack);
  }

  get size(): number {
    return this.count;
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier(this.count, [...this.stack]);
  }

  /** Adds a leaf hash; `completed` hears every complete subtree above the leaves that this finishes. */
  append(hash: Buffer, completed?: (level: number, index: number, hash: Buffer) => void): void {
    this.stack.push({ level: 0, hash });
    this.count += 1;
    while (this.stack.length >= 2 && this.stack[this.stack.length - 1]!.level === this.stack[this.stack.length - 2]!.level) {
      const right = this.stack.pop()!;
      const left = this.stack.pop()!;
      const level = left.level + 1;
      const merged = nodeHash(left.hash, right.hash);
      this.stack.push({ level, hash: merged });
      completed?.(level, this.count / 2 ** level - 1, merged);
    }
  }

  root(): Buffer {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let root = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) root = nodeHash(this.stack[i]!.hash, root);
    return root;
  }
}

function setBitsHighToLow(n: number): number[] {
  const levels: number[] = [];
  let remaining = n;
  let level = 0;
  while (remaining > 0) {
    if (isOdd(remaining)) levels.push(level);
    remaining = half(remaining);
    level++;
  }
  return levels.reverse();
}

/** A whole tree in memory: for tests, the offline verifier and small bundles. */
export class MemoryMerkleTree implements SubtreeSource {
  /** levels[0] are leaf hashes; levels[l][i] the complete subtree hashes above them. */
  private readonly levels: Buffer[][] = [[]];
  private readonly frontier = MerkleFrontier.empty();

  static of(leafHashes: readonly Buffer[]): MemoryMerkleTree {
    const tree = new MemoryMerkleTree();
    for (const hash of leafHashes) tree.append(hash);
    return tree;
  }

  get size(): number {
    return this.frontier.size;
  }

  append(hash: Buffer): void {
    this.levels[0]!.push(hash);
    this.frontier.append(hash, (level, index, node) => {
      (this.levels[level] ??= [])[index] = node;
    });
  }

  perfect(level: number, index: number): Buffer {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    return hash;
  }

  root(size = this.size): Buffer {
    if (size === this.size) return this.frontier.root();
    if (size > this.size) throw new RangeError(`tree has ${this.size} leaves, not ${size}`);
    return subtreeHash(this, 0, size);
  }
}
