import { GENESIS_HASH, eventHash, type RecordedEvent } from '@ledger/eventstore';
import { signCheckpoint } from './checkpoint';
import { eventLeafHash } from './event-leaf';
import { MemoryMerkleTree, inclusionProof } from './merkle';
import { buildProofBundle, type BundleOptions, type ProvableCheckpoint } from './proof-bundle';
import { LedgerSigningKey } from './signing-key';
import { verifyBundle } from './verify-bundle';

const ORIGIN = 'ledger.example.com';

/** A small log with interleaved streams and real hash chains. */
function aLog(): RecordedEvent[] {
  const writes: Array<[stream: string, type: string, data: Record<string, unknown>]> = [
    ['tenant-acme', 'TenantCreated', { tenantId: 'acme', name: 'Acme' }],
    ['user-acme:u1', 'UserProvisioned', { userId: 'u1', userName: 'alice@acme.test', active: true }],
    ['user-acme:u2', 'UserProvisioned', { userId: 'u2', userName: 'bob@acme.test', active: true }],
    ['user-acme:u1', 'UserRenamed', { userId: 'u1', userName: 'alice.smith@acme.test' }],
    ['group-acme:g1', 'GroupCreated', { groupId: 'g1', displayName: 'finance-admins', members: [{ value: 'u1' }] }],
    ['user-acme:u1', 'UserDeactivated', { userId: 'u1' }],
    ['user-acme:u2', 'UserDeactivated', { userId: 'u2' }],
    ['group-acme:g1', 'GroupMembersRemoved', { groupId: 'g1', members: ['u1'] }],
  ];
  const heads = new Map<string, { revision: number; hash: string }>();
  return writes.map(([streamId, type, data], i) => {
    const head = heads.get(streamId);
    const content = {
      id: `0190-event-${i}`,
      streamId,
      revision: head ? head.revision + 1 : 0,
      type,
      schemaVersion: 1,
      data: { ...data, at: `2026-03-03T10:00:0${i}.000Z` },
      metadata: { tenant: 'acme', correlationId: `c${i}`, actor: 'token:t1', recordedAt: `2026-03-03T10:00:0${i}.000Z` },
      prevHash: head?.hash ?? GENESIS_HASH,
    };
    const hash = eventHash(content);
    heads.set(streamId, { revision: content.revision, hash });
    return { ...content, position: BigInt(i + 1), hash };
  });
}

function checkpointOver(log: RecordedEvent[], key: LedgerSigningKey): ProvableCheckpoint {
  const tree = MemoryMerkleTree.of(log.map(eventLeafHash));
  const note = signCheckpoint({ origin: ORIGIN, treeSize: tree.size, rootHash: tree.root(), time: '2026-03-03T10:01:00.000Z' }, key);
  return {
    note,
    treeSize: tree.size,
    prove: (position) => {
      const index = log.findIndex((e) => e.position === position);
      return { leafIndex: index, proof: inclusionProof(tree, index, tree.size) };
    },
  };
}

const signer = (key: LedgerSigningKey) => (message: Buffer) => Buffer.concat([Buffer.from(key.keyId, 'hex'), key.sign(message)]).toString('base64');

describe('verifyBundle: an auditor checks an evidence bundle offline with the public key', () => {
  const key = LedgerSigningKey.generate(ORIGIN);
  const log = aLog();
  const rangeOptions: BundleOptions = {
    selection: { kind: 'range', fromPosition: '1', toPosition: '8', firstLeaf: 0, count: 8 },
    signManifest: signer(key),
  };
  const bundle = buildProofBundle(log, checkpointOver(log, key), key.publicKeyPem, rangeOptions);
  const lines = bundle.trimEnd().split('\n');
  const rejoin = (edited: string[]) => `${edited.join('\n')}\n`;

  it('verifies an untouched bundle: signature, order, chains, proofs and manifest', () => {
    const verdict = verifyBundle(bundle, key.publicKeyPem);
    expect(verdict).toMatchObject({ ok: true, events: 8, streams: 4, manifestSigned: true, warnings: [] });
    expect(verdict.ok && verdict.checkpoint).toMatchObject({ origin: ORIGIN, treeSize: 8, keyId: key.keyId, time: '2026-03-03T10:01:00.000Z' });
  });

  it('verifies a bundle of chosen events that starts mid-stream, noting an unsigned manifest', () => {
    const chosen = log.filter((e) => e.streamId === 'user-acme:u1' && e.revision > 0);
    const verdict = verifyBundle(buildProofBundle(chosen, checkpointOver(log, key), key.publicKeyPem), key.publicKeyPem);
    expect(verdict).toMatchObject({ ok: true, events: 2, streams: 1, manifestSigned: false });
    expect(verdict.warnings).toEqual([expect.stringContaining('the manifest is unsigned')]);
  });

  it('names the event whose content changed by one byte', () => {
    const edited = [...lines];
    edited[4] = edited[4]!.replace('alice.smith@acme.test', 'alice.smith@acme.tesu');
    expect(verifyBundle(rejoin(edited), key.publicKeyPem)).toEqual({
      ok: false,
      line: 5,
      problem: 'line 5: event 0190-event-3 (stream user-acme:u1, revision 1, position 4): its content does not match its recorded hash: the event was altered',
      warnings: [],
    });
  });

  it('names the leaf whose event was deleted', () => {
    const edited = lines.filter((_, i) => i !== 3);
    const verdict = verifyBundle(rejoin(edited), key.publicKeyPem);
    expect(verdict).toMatchObject({ ok: false, line: 4 });
    expect(!verdict.ok && verdict.problem).toBe(
      'line 4: the event at leaf 2 is missing (found event 0190-event-3 (stream user-acme:u1, revision 1, position 4) at leaf 3): an event was removed from the bundle',
    );
  });

  it('notices the last event was deleted', () => {
    const edited = lines.filter((_, i) => i !== lines.length - 2);
    const verdict = verifyBundle(rejoin(edited), key.publicKeyPem);
    expect(!verdict.ok && verdict.problem).toBe('line 9: the bundle has 7 events but its selection covers 8 (leaves 0..7): events were removed');
  });

  it('names two swapped events', () => {
    const edited = [...lines];
    [edited[2], edited[3]] = [edited[3]!, edited[2]!];
    const verdict = verifyBundle(rejoin(edited), key.publicKeyPem);
    expect(!verdict.ok && verdict.problem).toBe(
      'line 3: event 0190-event-2 (stream user-acme:u2, revision 0, position 3) (leaf 2) comes before leaf 1 (line 4): the events are out of order',
    );
  });

  it('names swapped event contents even when their leaf indexes and proofs stay in place', () => {
    const edited = [...lines];
    const a = JSON.parse(edited[2]!);
    const b = JSON.parse(edited[3]!);
    [a.event, b.event] = [b.event, a.event];
    edited[2] = JSON.stringify(a);
    edited[3] = JSON.stringify(b);
    const verdict = verifyBundle(rejoin(edited), key.publicKeyPem);
    expect(!verdict.ok && verdict.problem).toContain('line 3: the inclusion proof of event 0190-event-2');
    expect(!verdict.ok && verdict.problem).toContain('does not lead to the signed root');
  });

  it('rejects a bundle re-signed with another key, naming both key ids', () => {
    const other = LedgerSigningKey.generate(ORIGIN);
    const forged = buildProofBundle(log, checkpointOver(log, other), other.publicKeyPem, { ...rangeOptions, signManifest: signer(other) });
    const verdict = verifyBundle(forged, key.publicKeyPem);
    expect(verdict).toMatchObject({ ok: false, line: 1 });
    expect(!verdict.ok && verdict.problem).toBe(
      `line 1: the checkpoint is not signed by the trusted key (key id ${key.keyId} for "${ORIGIN}"); it carries signatures by key ids: ${other.keyId} (${ORIGIN})`,
    );
  });

  it('rejects a checkpoint whose text was edited after signing', () => {
    const header = JSON.parse(lines[0]!);
    header.checkpoint = header.checkpoint.replace('time 2026-03-03T10:01:00.000Z', 'time 2026-03-03T09:00:00.000Z');
    const verdict = verifyBundle(rejoin([JSON.stringify(header), ...lines.slice(1)]), key.publicKeyPem);
    expect(!verdict.ok && verdict.problem).toContain(`line 1: the signature by the trusted key (key id ${key.keyId}) does not verify`);
  });

  it('rejects a changed proof hash', () => {
    const entry = JSON.parse(lines[5]!);
    entry.proof[0] = Buffer.alloc(32, 7).toString('base64');
    const edited = [...lines];
    edited[5] = JSON.stringify(entry);
    const verdict = verifyBundle(rejoin(edited), key.publicKeyPem);
    expect(!verdict.ok && verdict.problem).toMatch(/^line 6: the inclusion proof of event 0190-event-4 .* at leaf 4 does not lead to the signed root/);
  });

  it('rejects a re-ordered JSON key in an event line through the manifest digest', () => {
    const entry = JSON.parse(lines[1]!);
    const edited = [...lines];
    edited[1] = JSON.stringify({ proof: entry.proof, type: entry.type, leafIndex: entry.leafIndex, event: entry.event });
    const verdict = verifyBundle(rejoin(edited), key.publicKeyPem);
    expect(!verdict.ok && verdict.problem).toBe('line 10: the manifest digest does not match the lines above it: a line was added, removed or changed');
  });

  it('rejects a truncated bundle', () => {
    const verdict = verifyBundle(rejoin(lines.slice(0, 5)), key.publicKeyPem);
    expect(!verdict.ok && verdict.problem).toBe('the bundle has no manifest as its last line: it was truncated or lines were appended after it');
  });

  it('explains a trusted key that is not an Ed25519 public key', () => {
    const verdict = verifyBundle(bundle, 'not a key');
    expect(!verdict.ok && verdict.problem).toMatch(/^the trusted public key is not an Ed25519 public key in PEM form/);
  });
});
