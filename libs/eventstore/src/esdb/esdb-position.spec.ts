import { packPosition, unpackPosition } from './esdb-position';

describe('EventStoreDB position packing', () => {
  it('round-trips a commit / prepare pair', () => {
    const pair = { commit: 123_456_789_012n, prepare: 123_456_788_000n };
    expect(unpackPosition(packPosition(pair))).toEqual(pair);
  });

  it('orders by commit first, then prepare, as $all is ordered', () => {
    const ordered = [
      { commit: 0n, prepare: 0n },
      { commit: 10n, prepare: 5n },
      { commit: 10n, prepare: 9n },
      { commit: 11n, prepare: 0n },
      { commit: (1n << 64n) - 1n, prepare: (1n << 64n) - 1n },
    ].map(packPosition);
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]!).toBeGreaterThan(ordered[i - 1]!);
  });

  it('rejects values that are not unsigned 64-bit positions', () => {
    expect(() => packPosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    expect(() => packPosition({ commit: 1n << 64n, prepare: 0n })).toThrow(RangeError);
    expect(() => unpackPosition(1n << 128n)).toThrow(RangeError);
  });
});
