import { aGroup } from '../testing/scim-fixtures';
import { memberDelta } from './member-delta';

describe('memberDelta', () => {
  it('given a new group (no before), then every member is added', () => {
    expect(memberDelta(undefined, aGroup(['u1', 'u2']))).toEqual({
      added: [{ value: 'u1', type: 'User' }, { value: 'u2', type: 'User' }],
      removed: [],
    });
  });

  it('given members joining and leaving, then it lists both, in resource order', () => {
    const sut = memberDelta(aGroup(['u1', 'u2', 'u3']), aGroup(['u3', 'u4', 'u2', 'u5']));

    expect(sut.added.map((member) => member.value)).toEqual(['u4', 'u5']);
    expect(sut.removed).toEqual(['u1']);
  });

  it('given only a display change, then nothing is added or removed', () => {
    const before = aGroup([], { members: [{ value: 'u1', display: 'old@x' }] });
    const after = aGroup([], { members: [{ value: 'u1', display: 'new@x' }] });

    expect(memberDelta(before, after)).toEqual({ added: [], removed: [] });
  });

  it('keeps display, type and $ref of added members for the event', () => {
    const after = aGroup([], { members: [{ value: 'u1', display: 'u1@x', type: 'User', $ref: 'https://h/Users/u1' }] });

    expect(memberDelta(aGroup(), after).added).toEqual([{ value: 'u1', display: 'u1@x', type: 'User', $ref: 'https://h/Users/u1' }]);
  });

  it('ignores malformed or duplicated entries rather than emitting bogus events', () => {
    const after = aGroup([], { members: [{ value: 'u1' }, { value: 'u1' }, { display: 'no id' }, 'u2', null] });

    expect(memberDelta(aGroup(), after)).toEqual({ added: [{ value: 'u1' }], removed: [] });
  });
});
