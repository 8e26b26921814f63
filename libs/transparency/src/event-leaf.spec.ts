import { canonicalJson } from '@ledger/eventstore';
import { LEAF_FORMAT, eventLeaf, eventLeafHash } from './event-leaf';
import { leafHash } from './merkle';

describe('event leaves', () => {
  const event = { position: 42n, streamId: 'user-acme:7d0c', revision: 3, id: '0190a1b2-0000-7000-8000-000000000001', hash: 'ab'.repeat(32) };

  it('are the canonical JSON of (format, position, stream, revision, id, chain hash), as the README documents', () => {
    expect(eventLeaf(event).toString('utf8')).toBe(canonicalJson([LEAF_FORMAT, '42', event.streamId, 3, event.id, event.hash]));
    expect(eventLeaf(event).toString('utf8')).toBe(
      `["scim-ledger/event-leaf/v1","42","user-acme:7d0c",3,"0190a1b2-0000-7000-8000-000000000001","${'ab'.repeat(32)}"]`,
    );
  });

  it('hash as RFC 6962 leaves, and change with the position, the revision or the chain hash', () => {
    expect(eventLeafHash(event).equals(leafHash(eventLeaf(event)))).toBe(true);
    for (const changed of [{ position: 43n }, { revision: 4 }, { hash: 'cd'.repeat(32) }, { streamId: 'user-acme:other' }]) {
      expect(eventLeafHash({ ...event, ...changed }).equals(eventLeafHash(event))).toBe(false);
    }
  });
});
