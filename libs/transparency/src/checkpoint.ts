import type { KeyObject } from 'node:crypto';
import { keyIdOf, verifyEd25519, type LedgerSigningKey } from './signing-key';

/**
 * Checkpoints in the C2SP tlog-checkpoint format, a signed note:
 *
 *   <origin>\n<tree size>\n<base64 root hash>\ntime <ISO-8601>\n\n— <key name> <base64(key id || signature)>\n
 *
 * The `time` extension line carries the signing time; the signature covers the whole text
 * (every line up to and including the newline before the blank line).
 */

export interface CheckpointBody {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  /** ISO-8601 signing time, from the `time` extension line. */
  time: string;
}

export interface NoteSignature {
  name: string;
  /** 8 hex digits. */
  keyId: string;
  signature: Buffer;
}

export interface ParsedCheckpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  time: string | null;
  /** The signed text, final newline included. */
  text: string;
  signatures: NoteSignature[];
}

export class CheckpointFormatError extends Error {
  readonly code = 'CHECKPOINT_FORMAT';
}

const EM_DASH = '\u2014';

export function checkpointText(body: CheckpointBody): string {
  if (!body.origin || /[\n]/.test(body.origin)) throw new CheckpointFormatError('the origin must be one non-empty line');
  return `${body.origin}\n${body.treeSize}\n${body.rootHash.toString('base64')}\ntime ${body.time}\n`;
}

/** Signs the checkpoint text; the key's name should be the origin. */
export function signCheckpoint(body: CheckpointBody, key: LedgerSigningKey): string {
  const text = checkpointText(body);
  const signature = key.sign(Buffer.from(text, 'utf8'));
  return `${text}\n${EM_DASH} ${key.name} ${Buffer.concat([Buffer.from(key.keyId, 'hex'), signature]).toString('base64')}\n`;
}

export function parseCheckpoint(note: string): ParsedCheckpoint {
  if (typeof note !== 'string' || note.length === 0) throw new CheckpointFormatError('the checkpoint is empty');
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new CheckpointFormatError('the checkpoint contains control characters');
  if (!note.endsWith('\n')) throw new CheckpointFormatError('the checkpoint does not end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new CheckpointFormatError('the checkpoint has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const signatureLines = note.slice(split + 2, -1).split('\n');
  const signatures = signatureLines.map((line, i) => {
    const match = new RegExp(`^${EM_DASH} (\\S+) ([A-Za-z0-9+/]+={0,2})$`).exec(line);
    if (!match) throw new CheckpointFormatError(`signature line ${i + 1} is not "${EM_DASH} <name> <base64>"`);
    const bytes = Buffer.from(match[2]!, 'base64');
    if (bytes.length < 5) throw new CheckpointFormatError(`signature line ${i + 1} is too short`);
    return { name: match[1]!, keyId: bytes.subarray(0, 4).toString('hex'), signature: bytes.subarray(4) };
  });
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointFormatError('the checkpoint text needs an origin, a tree size and a root hash');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!origin) throw new CheckpointFormatError('the origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine)) throw new CheckpointFormatError(`the tree size "${sizeLine}" is not a decimal number`);
  const treeSize = Number(sizeLine);
  if (!Number.isSafeInteger(treeSize)) throw new CheckpointFormatError(`the tree size ${sizeLine} is too large`);
  const rootHash = Buffer.from(rootLine, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootLine) {
    throw new CheckpointFormatError('the root hash line is not the base64 of 32 bytes');
  }
  if (extensions.some((line) => line.length === 0)) throw new CheckpointFormatError('the checkpoint has an empty extension line');
  const timeLine = extensions.find((line) => line.startsWith('time '));
  return { origin, treeSize, rootHash, time: timeLine ? timeLine.slice(5) : null, text, signatures };
}

export type SignatureVerdict = { ok: true; keyId: string; name: string } | { ok: false; reason: string };

/**
 * Checks the checkpoint carries a valid signature by `trusted`. As signed notes require,
 * signatures by other keys are ignored; one that claims the trusted key id but fails is fatal.
 */
export function verifyCheckpointSignature(checkpoint: ParsedCheckpoint, trusted: KeyObject): SignatureVerdict {
  const message = Buffer.from(checkpoint.text, 'utf8');
  for (const signature of checkpoint.signatures) {
    if (signature.keyId !== keyIdOf(signature.name, trusted)) continue;
    if (!verifyEd25519(trusted, message, signature.signature)) {
      return {
        ok: false,
        reason: `the signature by the trusted key (key id ${signature.keyId}) does not verify: the checkpoint text was changed after it was signed`,
      };
    }
    return { ok: true, keyId: signature.keyId, name: signature.name };
  }
  const expected = keyIdOf(checkpoint.origin, trusted);
  const found = checkpoint.signatures.map((s) => `${s.keyId} (${s.name})`).join(', ') || 'none';
  return {
    ok: false,
    reason: `the checkpoint is not signed by the trusted key (key id ${expected} for "${checkpoint.origin}"); it carries signatures by key ids: ${found}`,
  };
}
