/**
 * RFC 9162 Merkle proof checks in the browser (Web Crypto SHA-256), the same arithmetic as
 * libs/transparency/src/merkle.ts, so the console can show that an exported event is in the
 * signed tree without trusting the page's server for the answer.
 */

const LEAF_FORMAT = 'scim-ledger/event-leaf/v1';

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return [...(await sha256(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface LeafFields {
  position: string;
  streamId: string;
  revision: number;
  id: string;
  hash: string;
}

export function eventLeaf(event: LeafFields): Uint8Array {
  return new TextEncoder().encode(JSON.stringify([LEAF_FORMAT, String(event.position), event.streamId, event.revision, event.id, event.hash]));
}

export function leafHash(leaf: Uint8Array): Promise<Uint8Array> {
  return sha256(new Uint8Array([0]), leaf);
}

function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(new Uint8Array([1]), left, right);
}

export async function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array | null> {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The size and root hash lines of a C2SP checkpoint note. */
export function checkpointBody(note: string): { origin: string; treeSize: number; rootHash: string } | null {
  const [origin, size, root] = note.split('\n');
  if (!origin || !size || !root || !/^\d+$/.test(size)) return null;
  return { origin, treeSize: Number(size), rootHash: root };
}
