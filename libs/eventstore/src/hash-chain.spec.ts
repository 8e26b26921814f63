import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalEventHash, canonicalJson, eventHash } from './hash-chain';

/**
 * The rule written out the slow, obvious way, for values that went through JSON already. (Not via
 * a re-sorted object: JavaScript puts integer-like keys first whatever the insertion order.)
 */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonical JSON and event hashes', () => {
  it('sorts keys at every level and otherwise writes what JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = JSON.parse(JSON.stringify(value));
        expect(canonicalJson(value)).toBe(reference(parsed));
      }),
    );
  });

  it('keeps what JSON.stringify keeps: dates as their ISO text, undefined members dropped, undefined items as null', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    expect(canonicalJson({ b: at, a: undefined, c: [undefined, 1] })).toBe('{"b":"2026-01-02T03:04:05.000Z","c":[null,1]}');
  });

  it('hashes canonical parts to the same digest as the whole content, so stored events verify', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.uuid(), fc.jsonValue(), fc.dictionary(fc.string(), fc.string()), (streamId, revision, id, data, metadata) => {
        const content = { streamId, revision, id, type: 'UserProvisioned', schemaVersion: 1, data, metadata: metadata as never, prevHash: '0'.repeat(64) };
        const expected = createHash('sha256')
          .update(reference([streamId, revision, id, 'UserProvisioned', 1, JSON.parse(JSON.stringify(data ?? null)), metadata, '0'.repeat(64)]))
          .digest('hex');
        expect(eventHash(content)).toBe(expected);
        expect(canonicalEventHash({ ...content, data: canonicalJson(data), metadata: canonicalJson(metadata) })).toBe(expected);
      }),
    );
  });
});
