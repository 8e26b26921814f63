import { aGroup, memberIds, patchBody } from '../testing/scim-fixtures';
import { entra } from '../testing/idp-requests';
import { applyPatch } from './apply-patch';
import { memberDelta } from './member-delta';

/**
 * 10,000-member groups (the PATCHes that time out elsewhere). These assert results only;
 * timings live in libs/scim/bench/group-members-patch.bench.ts.
 */
describe('PATCH on a group with 10,000 members', () => {
  const existing = memberIds(10_000, 'old');
  const incoming = memberIds(10_000, 'new');

  it('when 10,000 new members are added in one value array, then the group has 20,000 distinct members', () => {
    const sut = applyPatch(aGroup(existing), entra.addMembers([...incoming, ...existing.slice(0, 50)]), 'Group');

    const values = (sut.resource['members'] as { value: string }[]).map((member) => member.value);
    expect(values).toHaveLength(20_000);
    expect(new Set(values).size).toBe(20_000);
    expect(values.slice(0, 10_000)).toEqual(existing);
  });

  it('when all 10,000 members are removed with a value array, then the group is empty', () => {
    const sut = applyPatch(aGroup(existing), entra.removeMembers([...existing].reverse()), 'Group');

    expect(sut.resource).not.toHaveProperty('members');
    expect(memberDelta(aGroup(existing), sut.resource).removed).toHaveLength(10_000);
  });

  it('when 5,000 members are removed, then the other 5,000 stay in order', () => {
    const removed = existing.filter((_, index) => index % 2 === 0);

    const sut = applyPatch(aGroup(existing), entra.removeMembers(removed), 'Group');

    expect((sut.resource['members'] as { value: string }[]).map((member) => member.value)).toEqual(existing.filter((_, index) => index % 2 === 1));
  });

  it('when 1,000 members are removed by path filter, one operation each, then exactly those go', () => {
    const removed = existing.slice(0, 1000);
    const body = patchBody(...removed.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })));

    const sut = applyPatch(aGroup(existing), body, 'Group');

    expect(sut.resource['members']).toHaveLength(9000);
    expect(memberDelta(aGroup(existing), sut.resource).removed).toEqual(removed);
  });

  it('when a member is removed with an or-filter of several ids, then all of them go', () => {
    const body = patchBody({ op: 'remove', path: 'members[value eq "old-1" or value eq "old-2" or value eq "old-9999"]' });

    expect(applyPatch(aGroup(existing), body, 'Group').resource['members']).toHaveLength(9997);
  });
});
