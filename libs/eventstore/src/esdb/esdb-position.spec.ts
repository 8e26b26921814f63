import { packPosition, unpackPosition } from './esdb-position';

describe('EventStoreDB positions in the port', () => {
  it('uses the prepare position, which fits an int64 column', () => {
    expect(packPosition({ commit: 123_456_789_012n, prepare: 123_456_788_000n })).toBe(123_456_788_000n);
    expect(packPosition({ commit: 5n, prepare: 5n })).toBeLessThan(1n << 63n);
  });

  it('orders the events of one append, which share a commit, by their prepare positions', () => {
    const append = [{ commit: 900n, prepare: 700n }, { commit: 900n, prepare: 800n }].map(packPosition);
    const next = packPosition({ commit: 1200n, prepare: 1000n });
    expect(append[1]!).toBeGreaterThan(append[0]!);
    expect(next).toBeGreaterThan(append[1]!);
  });

  it('reads after a position from (p, p), so no later event of the same append is skipped', () => {
    expect(unpackPosition(700n)).toEqual({ commit: 700n, prepare: 700n });
  });

  it('rejects what an int64 column cannot hold', () => {
    expect(() => packPosition({ commit: 0n, prepare: 1n << 63n })).toThrow(RangeError);
    expect(() => unpackPosition(-1n)).toThrow(RangeError);
  });
});
