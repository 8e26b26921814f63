import { createHash, type KeyObject } from 'node:crypto';
import { ChainFollower, describeEvent } from './chain-follower';
import { CheckpointFormatError, parseCheckpoint, verifyCheckpointSignature, type ParsedCheckpoint } from './checkpoint';
import { eventLeafHash } from './event-leaf';
import { verifyInclusion } from './merkle';
import { BUNDLE_FORMAT, manifestMessage, type BundleHeader, type BundleSelection, type SerializedEvent } from './proof-bundle';
import { keyIdOf, parsePublicKey, rawEd25519, verifyEd25519 } from './signing-key';

export interface VerifiedCheckpoint {
  origin: string;
  treeSize: number;
  rootHash: string;
  keyId: string;
  time: string | null;
}

export type BundleVerdict =
  | { ok: true; events: number; streams: number; checkpoint: VerifiedCheckpoint; manifestSigned: boolean; warnings: string[] }
  /** `problem` names the first thing that does not verify; `line` is 1-based, null when not about one line. */
  | { ok: false; problem: string; line: number | null; warnings: string[] };

class Failure extends Error {
  constructor(
    readonly problem: string,
    readonly line: number | null,
  ) {
    super(problem);
  }
}

const fail = (line: number | null, problem: string): never => {
  throw new Failure(line === null ? problem : `line ${line}: ${problem}`, line);
};

/**
 * Verifies an evidence bundle with nothing but the bundle and the public key the auditor trusts:
 * the checkpoint's signature, the order and completeness of the events, every per-stream hash
 * chain, every inclusion proof, and the manifest. Stops at the first thing that does not verify.
 */
export function verifyBundle(bundleText: string, publicKeyPem: string): BundleVerdict {
  const warnings: string[] = [];
  try {
    return verify(bundleText, trustedKey(publicKeyPem), warnings);
  } catch (error) {
    if (error instanceof Failure) return { ok: false, problem: error.problem, line: error.line, warnings };
    throw error;
  }
}

function trustedKey(pem: string): KeyObject {
  try {
    return parsePublicKey(pem);
  } catch (error) {
    return fail(null, `the trusted public key is not an Ed25519 public key in PEM form (${(error as Error).message})`);
  }
}

function verify(bundleText: string, trusted: KeyObject, warnings: string[]): BundleVerdict {
  const lines = bundleText.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) fail(null, 'the bundle is empty');
  const parsed = lines.map((text, i) => parseLine(text, i + 1));

  const header = parsed[0] as Partial<BundleHeader>;
  if (header?.type !== 'header' || header.format !== BUNDLE_FORMAT) fail(1, `not a ${BUNDLE_FORMAT} header`);
  const checkpoint = verifyHeader(header as BundleHeader, trusted, warnings);

  const last = parsed.length - 1;
  if (last < 1 || (parsed[last] as { type?: unknown }).type !== 'manifest') {
    fail(null, 'the bundle has no manifest as its last line: it was truncated or lines were appended after it');
  }
  const selection = header.selection as BundleSelection | undefined;
  const range = selection?.kind === 'range' ? selection : null;

  const lineOfLeaf = new Map<number, number>();
  for (let i = 1; i < last; i++) {
    const entry = parsed[i] as { type?: unknown; leafIndex?: unknown };
    if (entry.type !== 'event') fail(i + 1, `expected an event line, found ${JSON.stringify(entry.type ?? null)}`);
    if (typeof entry.leafIndex === 'number' && !lineOfLeaf.has(entry.leafIndex)) lineOfLeaf.set(entry.leafIndex, i + 1);
  }

  const chains = new ChainFollower(false);
  let previousLeaf: number | null = null;
  let previousPosition = -1n;
  for (let i = 1; i < last; i++) {
    const line = i + 1;
    const { leafIndex, proof, event } = eventLine(parsed[i], line);
    const what = describeEvent(event);
    if (leafIndex >= checkpoint.treeSize) {
      fail(line, `${what} is at leaf ${leafIndex}, outside the checkpoint's tree of ${checkpoint.treeSize} leaves`);
    }
    const expected: number | null = previousLeaf === null ? (range ? range.firstLeaf : null) : range ? previousLeaf + 1 : null;
    if (previousLeaf !== null && leafIndex <= previousLeaf) {
      fail(line, `${what} (leaf ${leafIndex}) comes after leaf ${previousLeaf}: the events are out of order`);
    }
    if (expected !== null && leafIndex !== expected) {
      const later = lineOfLeaf.get(expected);
      if (later !== undefined && later > line) {
        fail(line, `${what} (leaf ${leafIndex}) comes before leaf ${expected} (line ${later}): the events are out of order`);
      }
      fail(line, `the event at leaf ${expected} is missing (found ${what} at leaf ${leafIndex}): an event was removed from the bundle`);
    }
    const position = BigInt(event.position);
    if (position <= previousPosition) fail(line, `${what} comes after position ${previousPosition}: the events are out of order`);
    const chainProblem = chains.check(event);
    if (chainProblem) fail(line, `${what}: ${chainProblem}`);
    const leaf = eventLeafHash(event);
    if (!verifyInclusion(leafIndex, checkpoint.treeSize, leaf, proof, checkpoint.root)) {
      fail(
        line,
        `the inclusion proof of ${what} at leaf ${leafIndex} does not lead to the signed root: the event, its position or its proof was changed`,
      );
    }
    previousLeaf = leafIndex;
    previousPosition = position;
  }
  const count = last - 1;
  if (range && count !== range.count) {
    fail(
      last + 1,
      `the bundle has ${count} events but its selection covers ${range.count} (leaves ${range.firstLeaf}..${range.firstLeaf + range.count - 1}): events were removed`,
    );
  }

  const manifest = parsed[last] as { events?: unknown; digest?: unknown; signature?: unknown };
  if (manifest.events !== count) fail(last + 1, `the manifest counts ${String(manifest.events)} events, the bundle has ${count}: events were added or removed`);
  const digest = createHash('sha256');
  for (let i = 0; i < last; i++) digest.update(`${lines[i]}\n`, 'utf8');
  const computed = digest.digest('hex');
  if (manifest.digest !== computed) fail(last + 1, 'the manifest digest does not match the lines above it: a line was added, removed or changed');
  const manifestSigned = manifest.signature !== null && manifest.signature !== undefined;
  if (manifestSigned) {
    if (typeof manifest.signature !== 'string') fail(last + 1, 'the manifest signature is not a base64 string');
    const bytes = Buffer.from(manifest.signature as string, 'base64');
    if (bytes.length < 5 || !verifyEd25519(trusted, manifestMessage(computed), bytes.subarray(4))) {
      fail(last + 1, 'the manifest signature does not verify with the trusted key: the bundle was not exported as it is now');
    }
  } else {
    warnings.push('the manifest is unsigned: the events are proven individually, but nothing proves the exporter selected exactly these');
  }
  return {
    ok: true,
    events: count,
    streams: chains.streams,
    checkpoint: {
      origin: checkpoint.origin,
      treeSize: checkpoint.treeSize,
      rootHash: checkpoint.root.toString('base64'),
      keyId: checkpoint.keyId,
      time: checkpoint.time,
    },
    manifestSigned,
    warnings,
  };
}

function parseLine(text: string, line: number): unknown {
  if (text.trim() === '') fail(line, 'the line is empty');
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(line, 'the line is not a JSON object');
    return value;
  } catch (error) {
    if (error instanceof Failure) throw error;
    return fail(line, `the line is not valid JSON (${(error as Error).message})`);
  }
}

function verifyHeader(header: BundleHeader, trusted: KeyObject, warnings: string[]): ParsedCheckpoint & { root: Buffer; keyId: string } {
  let checkpoint: ParsedCheckpoint;
  try {
    checkpoint = parseCheckpoint(header.checkpoint);
  } catch (error) {
    if (error instanceof CheckpointFormatError) return fail(1, `the checkpoint is malformed: ${error.message}`);
    throw error;
  }
  const signature = verifyCheckpointSignature(checkpoint, trusted);
  if (!signature.ok) return fail(1, signature.reason);
  if (header.treeSize !== checkpoint.treeSize || header.rootHash !== checkpoint.rootHash.toString('base64') || header.origin !== checkpoint.origin) {
    fail(1, 'the header\'s origin, tree size or root hash differs from the signed checkpoint it carries');
  }
  if (typeof header.publicKey === 'string') {
    let same = false;
    try {
      same = rawEd25519(parsePublicKey(header.publicKey)).equals(rawEd25519(trusted));
    } catch {
      same = false;
    }
    if (!same) {
      warnings.push(`the bundle carries a different public key than the one you trust (key id ${keyIdOf(checkpoint.origin, trusted)}); it was verified with yours`);
    }
  }
  return { ...checkpoint, root: checkpoint.rootHash, keyId: signature.keyId };
}

function eventLine(value: unknown, line: number): { leafIndex: number; proof: Buffer[]; event: SerializedEvent } {
  const entry = value as { leafIndex?: unknown; proof?: unknown; event?: Record<string, unknown> };
  if (!Number.isSafeInteger(entry.leafIndex) || (entry.leafIndex as number) < 0) fail(line, 'the event line has no valid leafIndex');
  if (!Array.isArray(entry.proof) || entry.proof.some((p) => typeof p !== 'string')) fail(line, 'the event line has no proof (a list of base64 hashes)');
  const event = entry.event;
  if (!event || typeof event !== 'object') fail(line, 'the event line has no event');
  const e = event as Record<string, unknown>;
  for (const field of ['id', 'streamId', 'type', 'prevHash', 'hash'] as const) {
    if (typeof e[field] !== 'string') fail(line, `the event has no ${field}`);
  }
  if (typeof e['position'] !== 'string' || !/^[0-9]+$/.test(e['position'])) fail(line, `event ${String(e['id'])} has no decimal position`);
  if (!Number.isSafeInteger(e['revision'])) fail(line, `event ${String(e['id'])} has no integer revision`);
  if (!Number.isSafeInteger(e['schemaVersion'])) fail(line, `event ${String(e['id'])} has no integer schemaVersion`);
  if (!e['metadata'] || typeof e['metadata'] !== 'object') fail(line, `event ${String(e['id'])} has no metadata`);
  return {
    leafIndex: entry.leafIndex as number,
    proof: (entry.proof as string[]).map((p) => Buffer.from(p, 'base64')),
    event: event as unknown as SerializedEvent,
  };
}
