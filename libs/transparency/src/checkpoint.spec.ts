import { leafHash } from './merkle';
import { checkpointText, parseCheckpoint, signCheckpoint, verifyCheckpointSignature } from './checkpoint';
import { LedgerSigningKey, isValidKeyName, keyIdOf, parsePublicKey, verifierKeyOf } from './signing-key';

describe('signed checkpoints (C2SP checkpoint, signed note)', () => {
  const key = LedgerSigningKey.generate('ledger.example.com');
  const body = { origin: 'ledger.example.com', treeSize: 42, rootHash: leafHash(Buffer.from('root')), time: '2026-03-03T10:00:00.000Z' };

  it('writes origin, size, base64 root and time, then a blank line and an em-dash signature line', () => {
    const note = signCheckpoint(body, key);
    const lines = note.split('\n');
    expect(lines.slice(0, 5)).toEqual(['ledger.example.com', '42', body.rootHash.toString('base64'), 'time 2026-03-03T10:00:00.000Z', '']);
    expect(lines[5]).toMatch(/^\u2014 ledger\.example\.com [A-Za-z0-9+/]+=*$/);
    expect(note.endsWith('\n')).toBe(true);
    const signature = Buffer.from(lines[5]!.split(' ')[2]!, 'base64');
    expect(signature.subarray(0, 4).toString('hex')).toBe(key.keyId);
    expect(signature.length).toBe(4 + 64);
  });

  it('parses back what it signs and verifies with the public key alone', () => {
    const parsed = parseCheckpoint(signCheckpoint(body, key));
    expect(parsed).toMatchObject({ origin: body.origin, treeSize: 42, time: body.time, text: checkpointText(body) });
    expect(parsed.rootHash.equals(body.rootHash)).toBe(true);
    expect(verifyCheckpointSignature(parsed, parsePublicKey(key.publicKeyPem))).toEqual({ ok: true, keyId: key.keyId, name: body.origin });
  });

  it('rejects a changed tree size, naming the trusted key whose signature fails', () => {
    const forged = signCheckpoint(body, key).replace('\n42\n', '\n43\n');
    const verdict = verifyCheckpointSignature(parseCheckpoint(forged), key.publicKey);
    expect(verdict).toEqual({ ok: false, reason: expect.stringContaining(`the signature by the trusted key (key id ${key.keyId}) does not verify`) });
  });

  it('rejects a checkpoint signed by another key, listing the key ids it carries', () => {
    const other = LedgerSigningKey.generate('ledger.example.com');
    const verdict = verifyCheckpointSignature(parseCheckpoint(signCheckpoint(body, other)), key.publicKey);
    expect(verdict).toEqual({
      ok: false,
      reason: `the checkpoint is not signed by the trusted key (key id ${key.keyId} for "ledger.example.com"); it carries signatures by key ids: ${other.keyId} (ledger.example.com)`,
    });
  });

  it('accepts a note with further signatures (witnesses, a rotated key) and uses the trusted one', () => {
    const other = LedgerSigningKey.generate('witness.example');
    const note = signCheckpoint(body, key);
    const cosigned = `${note}\u2014 witness.example ${Buffer.concat([Buffer.from(other.keyId, 'hex'), other.sign(Buffer.from(checkpointText(body)))]).toString('base64')}\n`;
    expect(verifyCheckpointSignature(parseCheckpoint(cosigned), other.publicKey)).toMatchObject({ ok: true, keyId: other.keyId });
    expect(verifyCheckpointSignature(parseCheckpoint(cosigned), key.publicKey)).toMatchObject({ ok: true, keyId: key.keyId });
  });

  it.each([
    ['no blank line', 'ledger\n1\nAAAA\n'],
    ['a size that is not decimal', `ledger\n0x1\n${body.rootHash.toString('base64')}\n\n\u2014 ledger AAAAAAAA\n`],
    ['a short root hash', 'ledger\n1\nAAAA\n\n\u2014 ledger AAAAAAAA\n'],
    ['an ASCII dash signature line', `ledger\n1\n${body.rootHash.toString('base64')}\n\n- ledger AAAAAAAA\n`],
  ])('refuses a malformed note: %s', (_, note) => {
    expect(() => parseCheckpoint(note)).toThrow();
  });

  it('derives signed-note key ids and verifier keys from the name and the raw Ed25519 key', () => {
    expect(key.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(keyIdOf('other.name', key.publicKey)).not.toBe(key.keyId);
    expect(verifierKeyOf(key.name, key.publicKey)).toMatch(new RegExp(`^ledger\\.example\\.com\\+${key.keyId}\\+[A-Za-z0-9+/]{44}$`));
    expect(isValidKeyName('ledger.example.com/log')).toBe(true);
    expect(isValidKeyName('has space')).toBe(false);
    expect(isValidKeyName('a+b')).toBe(false);
  });
});
