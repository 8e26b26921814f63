import { InvalidCommand, ResourceNotFound, groupDecider } from '@ledger/domain';
import { GROUP_ID, T0, T1, aMember, deciderSpec, groupCreated } from '@ledger/testing';

const given = deciderSpec(groupDecider);
const change = (add: string[], remove: string[]) => ({
  type: 'ChangeGroupMembers' as const,
  groupId: GROUP_ID,
  add: add.map((v) => aMember(v)),
  remove,
  at: T1,
});

describe('group decider', () => {
  it('creates a group with its members, each once', () =>
    given([])
      .when({ type: 'CreateGroup', groupId: GROUP_ID, displayName: 'finance-admins', externalId: null, members: [aMember('a'), aMember('a'), aMember('b')], at: T0 })
      .then([groupCreated([aMember('a'), aMember('b')])]));

  it('refuses a group without displayName or with a member without value', () => {
    given([]).when({ type: 'CreateGroup', groupId: GROUP_ID, displayName: '', externalId: null, members: [], at: T0 }).thenThrows(InvalidCommand);
    given([])
      .when({ type: 'CreateGroup', groupId: GROUP_ID, displayName: 'x', externalId: null, members: [{ value: '' }], at: T0 })
      .thenThrows(InvalidCommand);
  });

  it('adds only members that are not already in', () =>
    given([groupCreated([aMember('a')])])
      .when(change(['a', 'b'], []))
      .then([{ type: 'GroupMembersAdded', data: { groupId: GROUP_ID, members: [aMember('b')], at: T1 } }]));

  it('removes only members that are in, and removing an absent member changes nothing', () => {
    given([groupCreated([aMember('a'), aMember('b')])])
      .when(change([], ['a', 'zzz']))
      .then([{ type: 'GroupMembersRemoved', data: { groupId: GROUP_ID, members: ['a'], at: T1 } }]);
    given([groupCreated([aMember('a')])]).when(change([], ['zzz'])).then([]);
  });

  it('keeps a member removed and re-added in the same request', () =>
    given([groupCreated([aMember('a')])]).when(change(['a'], ['a'])).then([]));

  it('replaces membership with exactly the listed members, and renames', () =>
    given([groupCreated([aMember('a'), aMember('b')])])
      .when({ type: 'ReplaceGroup', groupId: GROUP_ID, displayName: 'finance-approvers', externalId: null, members: [aMember('b'), aMember('c')], at: T1 })
      .then([
        { type: 'GroupRenamed', data: { groupId: GROUP_ID, from: 'finance-admins', to: 'finance-approvers', at: T1 } },
        { type: 'GroupMembersRemoved', data: { groupId: GROUP_ID, members: ['a'], at: T1 } },
        { type: 'GroupMembersAdded', data: { groupId: GROUP_ID, members: [aMember('c')], at: T1 } },
      ]));

  it('handles 10,000 members added and then removed in one command each', () => {
    const values = Array.from({ length: 10_000 }, (_, n) => `user-${n}`);
    given([groupCreated()])
      .when(change(values, []))
      .thenState((state) => expect(state.status !== 'absent' && state.members.size).toBe(10_000));
    given([groupCreated(values.map((v) => aMember(v)))])
      .when(change([], values))
      .thenState((state) => expect(state.status !== 'absent' && state.members.size).toBe(0));
  });

  it('deletes with the members it had, and refuses changes afterwards', () => {
    given([groupCreated([aMember('a')])])
      .when({ type: 'DeleteGroup', groupId: GROUP_ID, at: T1 })
      .then([{ type: 'GroupDeleted', data: { groupId: GROUP_ID, displayName: 'finance-admins', members: ['a'], at: T1 } }]);
    given([groupCreated(), { type: 'GroupDeleted', data: { groupId: GROUP_ID, displayName: 'finance-admins', members: [], at: T1 } }])
      .when(change(['a'], []))
      .thenThrows(ResourceNotFound);
  });
});
