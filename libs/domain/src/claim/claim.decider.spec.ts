import { UniquenessViolation, decideClaim, evolveClaim, type ClaimCommand, type ClaimEvent } from '@ledger/domain';
import { T0, T1, deciderSpec } from '@ledger/testing';

const given = deciderSpec({ decide: decideClaim, evolve: evolveClaim, initialState: { holder: null } as const as never });
const claimed = (ownerId: string, at = T0): ClaimEvent => ({ type: 'ValueClaimed', data: { attribute: 'userName', value: 'alice', ownerId, at } });
const claim = (ownerId: string, holderExists = true, at = T1): ClaimCommand => ({
  type: 'ClaimValue', attribute: 'userName', value: 'alice', ownerId, at, holderExists, abandonAfterMs: 60_000,
});

describe('uniqueness claim decider', () => {
  it('claims a free value', () => given([]).when(claim('u1')).then([claimed('u1', T1)]));

  it('re-claiming by the holder is a no-op', () => given([claimed('u1')]).when(claim('u1')).then([]));

  it('refuses a value held by a live resource, naming the holder', () =>
    given([claimed('u1')]).when(claim('u2')).thenThrows(new UniquenessViolation('userName', 'alice', 'u1')));

  it('refuses a value whose holder is not created yet but recently claimed (a create in flight)', () =>
    given([claimed('u1', '2026-03-03T10:04:30.000Z')]).when(claim('u2', false)).thenThrows(UniquenessViolation));

  it('takes over a claim abandoned by a create that never finished', () =>
    given([claimed('u1')])
      .when(claim('u2', false))
      .then([
        { type: 'ValueReleased', data: { attribute: 'userName', value: 'alice', ownerId: 'u1', reason: 'abandoned', at: T1 } },
        claimed('u2', T1),
      ]));

  it('releases only for the holder', () => {
    const release = (ownerId: string): ClaimCommand => ({ type: 'ReleaseValue', attribute: 'userName', value: 'alice', ownerId, reason: 'deleted', at: T1 });
    given([claimed('u1')]).when(release('u2')).then([]);
    given([claimed('u1')]).when(release('u1')).then([
      { type: 'ValueReleased', data: { attribute: 'userName', value: 'alice', ownerId: 'u1', reason: 'deleted', at: T1 } },
    ]);
  });
});
