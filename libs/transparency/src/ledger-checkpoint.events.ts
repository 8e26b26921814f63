/**
 * The transparency log records its own acts in the event log, so they are hash-chained, covered
 * by later checkpoints, and survive the loss of transparency.sqlite (which is rebuilt from them).
 *
 * Stream `ledgerCheckpoint-<origin>`: not `checkpoint-...`, which the EventStoreDB adapter
 * reserves for subscription checkpoints and hides.
 */

export const LEDGER_CHECKPOINT_CATEGORY = 'ledgerCheckpoint';

/** Metadata tenant of these deployment-wide events; the underscore keeps it apart from real tenant ids. */
export const LEDGER_SYSTEM_TENANT = '_ledger';

export function ledgerCheckpointStream(origin: string): string {
  return `${LEDGER_CHECKPOINT_CATEGORY}-${origin.replace(/[^A-Za-z0-9._:-]/g, '_')}`;
}

export function isLedgerCheckpointStream(streamId: string): boolean {
  return streamId.startsWith(`${LEDGER_CHECKPOINT_CATEGORY}-`);
}

export interface CheckpointSigned {
  type: 'CheckpointSigned';
  data: {
    origin: string;
    treeSize: number;
    /** base64, as in the note. */
    rootHash: string;
    keyId: string;
    /** The signed note, verbatim. */
    checkpoint: string;
    at: string;
  };
}

export interface SigningKeyRegistered {
  type: 'SigningKeyRegistered';
  data: {
    keyId: string;
    keyName: string;
    /** SPKI PEM. */
    publicKey: string;
    /** Signed-note verifier key: `<name>+<key id>+<base64(0x01 || key)>`. */
    verifierKey: string;
    /** Key id this one replaces (rotation), which is retired from then on. */
    replaces: string | null;
    at: string;
  };
}

export type LedgerCheckpointEvent = CheckpointSigned | SigningKeyRegistered;
