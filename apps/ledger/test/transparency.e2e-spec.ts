import type { EventStore, RecordedEvent } from '@ledger/eventstore';
import {
  LedgerSigningKey,
  eventLeaf,
  eventLeafHash,
  parseCheckpoint,
  parsePublicKey,
  signCheckpoint,
  verifyCheckpointSignature,
  verifyConsistency,
  verifyInclusion,
} from '@ledger/transparency';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/run-cli';
import { EVENT_STORE } from '../src/infrastructure/tokens';
import { USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

const b64 = (values: string[]) => values.map((v) => Buffer.from(v, 'base64'));

describe('tamper-evident ledger: signed checkpoints, proofs and offline verification', () => {
  let h: Harness;
  let scimToken: string;
  let store: EventStore;

  const provision = async (userName: string) => {
    const created = await h.scim(scimToken, 'POST', '/tenants/acme/scim/v2/Users', { schemas: [USER_SCHEMA], userName, active: true });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const events = async (): Promise<RecordedEvent[]> => store.readAll({ maxCount: 100_000 });
  const cli = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: {} });
    return { code, out, err };
  };
  const file = (name: string, text: string) => {
    const path = join(h.dir.path, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    h = await startHarness();
    store = h.ledger.app.get<EventStore>(EVENT_STORE);
    scimToken = (await h.tenantWithToken('acme')).token;
    for (const name of ['alice', 'bob', 'carol']) await provision(`${name}@acme.test`);
  });
  afterAll(async () => {
    await h.close();
  });

  it('generates the signing key on first start (owner-only file) and serves its public key', async () => {
    expect(statSync(join(h.dir.path, 'ledger-signing-key.pem')).mode & 0o777).toBe(0o600);
    const response = await fetch(`${h.url}/transparency/public-key`);
    expect(response.status).toBe(200);
    const pem = await response.text();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const keys = await h.admin('GET', '/transparency/public-keys');
    expect(keys.body).toMatchObject({ origin: 'scim-ledger', current: response.headers.get('x-key-id') });
    expect(keys.body.keys).toEqual([expect.objectContaining({ keyId: response.headers.get('x-key-id'), publicKey: pem, status: 'current' })]);
  });

  it('signs a checkpoint on demand for the admin only, covering every acknowledged write, and records it in the log', async () => {
    expect((await fetch(`${h.url}/transparency/checkpoints`, { method: 'POST' })).status).toBe(401);
    const signed = await h.admin('POST', '/transparency/checkpoints');
    expect(signed.status).toBe(201);
    const pem = await (await fetch(`${h.url}/transparency/public-key`)).text();
    const note = parseCheckpoint(signed.body.checkpoint);
    expect(verifyCheckpointSignature(note, parsePublicKey(pem))).toMatchObject({ ok: true });
    expect(note).toMatchObject({ origin: 'scim-ledger', treeSize: signed.body.treeSize });

    const log = await events();
    const userEvents = log.filter((e) => e.type === 'UserProvisioned');
    expect(userEvents).toHaveLength(3);
    expect(userEvents.every((e) => Number(e.position) <= signed.body.treeSize)).toBe(true);
    expect(log.find((e) => e.type === 'CheckpointSigned')).toMatchObject({
      streamId: 'ledgerCheckpoint-scim-ledger',
      position: BigInt(signed.body.recordedAtPosition),
      data: { checkpoint: signed.body.checkpoint, treeSize: signed.body.treeSize },
    });
    expect((await h.admin('GET', '/transparency/checkpoints/latest')).body).toEqual(signed.body);
  });

  it('proves an event in the latest checkpoint by id or position, and two checkpoints consistent', async () => {
    const first = (await h.admin('GET', '/transparency/checkpoints/latest')).body;
    const alice = (await events()).find((e) => e.type === 'UserProvisioned')!;
    const proof = await h.admin('GET', `/transparency/proofs/inclusion?eventId=${alice.id}`);
    expect(proof.status).toBe(200);
    expect(proof.body).toMatchObject({ treeSize: first.treeSize, rootHash: first.rootHash, checkpoint: first.checkpoint, leaf: eventLeaf(alice).toString() });
    expect(verifyInclusion(proof.body.leafIndex, first.treeSize, eventLeafHash(alice), b64(proof.body.proof), Buffer.from(first.rootHash, 'base64'))).toBe(true);
    expect((await h.admin('GET', `/transparency/proofs/inclusion?position=${alice.position}`)).body).toEqual(proof.body);

    await provision('dave@acme.test');
    const second = (await h.admin('POST', '/transparency/checkpoints')).body;
    const consistency = await h.admin('GET', `/transparency/proofs/consistency?from=${first.treeSize}&to=${second.treeSize}`);
    expect(consistency.status).toBe(200);
    expect(
      verifyConsistency(first.treeSize, second.treeSize, b64(consistency.body.proof), Buffer.from(first.rootHash, 'base64'), Buffer.from(second.rootHash, 'base64')),
    ).toBe(true);
  });

  it('answers bad proof requests with 400 and unknown events with 404', async () => {
    expect((await h.admin('GET', '/transparency/proofs/inclusion')).status).toBe(400);
    expect((await h.admin('GET', '/transparency/proofs/inclusion?eventId=x&position=1')).status).toBe(400);
    expect((await h.admin('GET', '/transparency/proofs/inclusion?position=abc')).status).toBe(400);
    expect((await h.admin('GET', '/transparency/proofs/inclusion?eventId=0190ffff-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await h.admin('GET', '/transparency/proofs/consistency?from=5&to=2')).status).toBe(400);
    expect((await h.admin('GET', '/transparency/proofs/consistency?to=2')).status).toBe(400);
    expect((await fetch(`${h.url}/transparency/proofs/consistency?from=1&to=2`)).status).toBe(401);
  });

  it("gives a tenant's auditor proofs of that tenant's events only", async () => {
    await h.tenantWithToken('globex');
    const auditor = (await h.admin('POST', '/admin/tenants/acme/auditors', { name: 'q1-review' })).body.token as string;
    const log = await events();
    const acmeEvent = log.find((e) => e.metadata.tenant === 'acme' && e.type === 'UserProvisioned')!;
    const globexEvent = log.find((e) => e.metadata.tenant === 'globex')!;
    const own = await h.scim(auditor, 'GET', `/tenants/acme/audit/transparency/proofs/inclusion?eventId=${acmeEvent.id}`);
    expect(own.status).toBe(200);
    expect(own.body.event.id).toBe(acmeEvent.id);
    expect((await h.scim(auditor, 'GET', `/tenants/acme/audit/transparency/proofs/inclusion?eventId=${globexEvent.id}`)).status).toBe(404);
    expect((await h.scim(auditor, 'GET', '/tenants/acme/audit/transparency/checkpoints/latest')).status).toBe(200);
    expect((await h.scim(auditor, 'GET', '/tenants/globex/audit/transparency/checkpoints/latest')).status).toBe(403);
    expect((await h.scim(auditor, 'GET', '/transparency/checkpoints/latest')).status).toBe(401);
  });

  describe('an evidence bundle, verified offline by the CLI with only the bundle and the public key', () => {
    let bundle: string;
    let lines: string[];
    let pemFile: string;
    const verify = (name: string, text: string) => cli('verify', file(name, text), '--public-key', pemFile);
    const eventLineOf = (type: string) => lines.findIndex((l) => l.includes(`"type":"${type}"`) && l.startsWith('{"type":"event"'));

    beforeAll(async () => {
      pemFile = file('ledger.pem', await (await fetch(`${h.url}/transparency/public-key`)).text());
      const response = await fetch(`${h.url}/transparency/bundle?fromPosition=1`, { headers: { authorization: `Bearer ${h.ledger.adminToken}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/x-ndjson');
      bundle = await response.text();
      lines = bundle.trimEnd().split('\n');
    });

    it('verifies when untouched', async () => {
      const result = await verify('bundle.jsonl', bundle);
      expect(result.code).toBe(0);
      expect(result.out).toContain(`VERIFIED: ${lines.length - 2} events`);
      expect(result.out).toContain('manifest: signed, digest matches');
    });

    it('names the event in which one byte changed', async () => {
      const index = eventLineOf('UserProvisioned');
      const edited = [...lines];
      edited[index] = edited[index]!.replace('alice@acme.test', 'alicf@acme.test');
      const result = await verify('one-byte.jsonl', `${edited.join('\n')}\n`);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(new RegExp(`^NOT VERIFIED: line ${index + 1}: event \\S+ \\(stream user-acme:\\S+, revision 0, position \\d+\\): its content does not match its recorded hash: the event was altered\\n$`));
    });

    it('names the deleted event', async () => {
      const index = eventLineOf('UserProvisioned');
      const result = await verify('deleted.jsonl', `${lines.filter((_, i) => i !== index).join('\n')}\n`);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(new RegExp(`^NOT VERIFIED: line ${index + 1}: the event at leaf ${index - 1} is missing .*: an event was removed from the bundle\\n$`));
    });

    it('names two swapped events', async () => {
      const index = eventLineOf('UserProvisioned');
      const edited = [...lines];
      [edited[index], edited[index + 1]] = [edited[index + 1]!, edited[index]!];
      const result = await verify('swapped.jsonl', `${edited.join('\n')}\n`);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(new RegExp(`^NOT VERIFIED: line ${index + 1}: .* comes before leaf ${index - 1} \\(line ${index + 2}\\): the events are out of order\\n$`));
    });

    it('rejects a checkpoint re-signed with another key, naming both key ids', async () => {
      const header = JSON.parse(lines[0]!);
      const original = parseCheckpoint(header.checkpoint);
      const forger = LedgerSigningKey.generate(original.origin);
      header.checkpoint = signCheckpoint({ origin: original.origin, treeSize: original.treeSize, rootHash: original.rootHash, time: original.time! }, forger);
      header.publicKey = forger.publicKeyPem;
      const result = await verify('resigned.jsonl', `${[JSON.stringify(header), ...lines.slice(1)].join('\n')}\n`);
      expect(result.code).toBe(1);
      expect(result.out).toContain(`NOT VERIFIED: line 1: the checkpoint is not signed by the trusted key (key id ${header.keyId} for "scim-ledger"); it carries signatures by key ids: ${forger.keyId}`);
    });

    it('explains a missing key flag and an unreadable bundle', async () => {
      expect((await cli('verify', join(h.dir.path, 'bundle.jsonl'))).code).toBe(64);
      const unreadable = await cli('verify', join(h.dir.path, 'no-such-file.jsonl'), '--public-key', pemFile);
      expect(unreadable).toMatchObject({ code: 2, err: expect.stringContaining('cannot read the bundle') });
    });

    it('keeps old bundles verifiable with the old key after a key rotation', async () => {
      const rotated = await h.admin('POST', '/transparency/keys/rotate');
      expect(rotated.status).toBe(201);
      const keys = (await h.admin('GET', '/transparency/public-keys')).body.keys;
      expect(keys.map((k: { keyId: string; status: string }) => [k.keyId, k.status])).toEqual([
        [rotated.body.previousKeyId, 'retired'],
        [rotated.body.keyId, 'current'],
      ]);
      expect((await verify('before-rotation.jsonl', bundle)).code).toBe(0);

      const newPem = file('ledger-new.pem', await (await fetch(`${h.url}/transparency/public-key`)).text());
      const wrongKey = await cli('verify', join(h.dir.path, 'before-rotation.jsonl'), '--public-key', newPem);
      expect(wrongKey.out).toContain(`it carries signatures by key ids: ${rotated.body.previousKeyId}`);

      const fresh = await fetch(`${h.url}/transparency/bundle`, { headers: { authorization: `Bearer ${h.ledger.adminToken}` } });
      const verified = await cli('verify', file('after-rotation.jsonl', await fresh.text()), '--public-key', newPem);
      expect(verified.code).toBe(0);
      expect(verified.out).toContain(`by key ${rotated.body.keyId}`);
    });
  });
});
