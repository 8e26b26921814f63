import { createHash, type Hash } from 'node:crypto';
import type { RecordedEvent } from '@ledger/eventstore';
import { parseCheckpoint } from './checkpoint';

/**
 * Evidence bundle: JSON lines, self-contained, verifiable offline with the deployment's public key.
 *
 *   {"type":"header", "format", "checkpoint": <signed note>, "publicKey": <PEM>, "selection", ...}
 *   {"type":"event", "leafIndex", "proof": [base64...], "event": <recorded event, position as a string>}   one per event, log order
 *   {"type":"manifest", "events", "streams", "digest": <sha256 hex of every line above, each with its "\n">, "signature"}
 */

export const BUNDLE_FORMAT = 'scim-ledger/proof-bundle/v1';

export type BundleSelection =
  /** Every event with a position in [fromPosition, toPosition]: the leaves are contiguous, so a removed event shows as a gap. */
  | { kind: 'range'; fromPosition: string; toPosition: string; firstLeaf: number; count: number }
  /** A chosen set (e.g. one tenant's events): completeness rests on the per-stream chains and the manifest. */
  | { kind: 'events'; description: string };

export interface BundleHeader {
  type: 'header';
  format: typeof BUNDLE_FORMAT;
  createdAt: string;
  origin: string;
  treeSize: number;
  rootHash: string;
  keyId: string;
  checkpoint: string;
  publicKey: string;
  selection: BundleSelection;
}

export type SerializedEvent = Omit<RecordedEvent, 'position'> & { position: string };

export interface BundleEventLine {
  type: 'event';
  leafIndex: number;
  proof: string[];
  event: SerializedEvent;
}

export interface BundleManifest {
  type: 'manifest';
  events: number;
  streams: number;
  digest: string;
  /** base64(key id || Ed25519 signature) over manifestMessage(digest), or null when the exporter did not sign it. */
  signature: string | null;
}

/** What a manifest signature covers. */
export function manifestMessage(digest: string): Buffer {
  return Buffer.from(`${BUNDLE_FORMAT} manifest\n${digest}\n`, 'utf8');
}

/** A signed checkpoint together with the tree it was signed over, so events can be proven in it. */
export interface ProvableCheckpoint {
  /** The signed note. */
  note: string;
  treeSize: number;
  /** Leaf index and inclusion proof (bottom-up sibling hashes) of the event at `position` in the tree of `treeSize` leaves. */
  prove(position: bigint): { leafIndex: number; proof: Buffer[] };
}

export interface BundleOptions {
  selection?: BundleSelection;
  createdAt?: string;
  /** Signs the manifest (base64 of key id || signature); without it the manifest is unsigned. */
  signManifest?: (message: Buffer) => string;
}

/** Writes a bundle line by line, so large exports can stream; the digest is kept as it goes. */
export class ProofBundleWriter {
  private readonly digest: Hash = createHash('sha256');
  private readonly streams = new Set<string>();
  private count = 0;
  private lastPosition = -1n;

  constructor(
    private readonly checkpoint: ProvableCheckpoint,
    private readonly publicKeyPem: string,
    private readonly options: BundleOptions = {},
  ) {}

  header(): string {
    const parsed = parseCheckpoint(this.checkpoint.note);
    const header: BundleHeader = {
      type: 'header',
      format: BUNDLE_FORMAT,
      createdAt: this.options.createdAt ?? new Date().toISOString(),
      origin: parsed.origin,
      treeSize: parsed.treeSize,
      rootHash: parsed.rootHash.toString('base64'),
      keyId: parsed.signatures[0]?.keyId ?? '',
      checkpoint: this.checkpoint.note,
      publicKey: this.publicKeyPem,
      selection: this.options.selection ?? { kind: 'events', description: 'selected events' },
    };
    return this.line(header);
  }

  event(event: RecordedEvent): string {
    if (event.position <= this.lastPosition) throw new Error(`bundle events must be in log order (position ${event.position} after ${this.lastPosition})`);
    this.lastPosition = event.position;
    const { leafIndex, proof } = this.checkpoint.prove(event.position);
    this.count += 1;
    this.streams.add(event.streamId);
    const line: BundleEventLine = {
      type: 'event',
      leafIndex,
      proof: proof.map((hash) => hash.toString('base64')),
      event: { ...event, position: event.position.toString() },
    };
    return this.line(line);
  }

  manifest(): string {
    const digest = this.digest.digest('hex');
    const manifest: BundleManifest = {
      type: 'manifest',
      events: this.count,
      streams: this.streams.size,
      digest,
      signature: this.options.signManifest ? this.options.signManifest(manifestMessage(digest)) : null,
    };
    return JSON.stringify(manifest);
  }

  private line(value: unknown): string {
    const text = JSON.stringify(value);
    this.digest.update(`${text}\n`, 'utf8');
    return text;
  }
}

/**
 * The whole bundle for `events` (sorted into log order), proven in `checkpoint`, with the public
 * key an auditor verifies it with. Every event must be in the checkpoint's tree.
 */
export function buildProofBundle(
  events: readonly RecordedEvent[],
  checkpoint: ProvableCheckpoint,
  publicKeyPem: string,
  options: BundleOptions = {},
): string {
  const writer = new ProofBundleWriter(checkpoint, publicKeyPem, options);
  const sorted = [...events].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  const lines = [writer.header(), ...sorted.map((event) => writer.event(event)), writer.manifest()];
  return `${lines.join('\n')}\n`;
}
