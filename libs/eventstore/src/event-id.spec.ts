import { newEventId } from './event-id';

describe('event ids', () => {
  it('are RFC 9562 version 7 UUIDs, unique, and sort by creation time', () => {
    const ids = Array.from({ length: 2000 }, (_, n) => newEventId(1_700_000_000_000 + n));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
