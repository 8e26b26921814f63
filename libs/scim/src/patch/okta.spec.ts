import { aGroup, aUser, patchBody } from '../testing/scim-fixtures';
import { okta } from '../testing/idp-requests';
import { applyPatch } from './apply-patch';

/** Replays Okta's PATCH requests unchanged. */
describe('PATCH as Okta sends it', () => {
  it('given an active user, when Okta deactivates with a path-less {"op":"replace","value":{"active":false}}, then the user is inactive', () => {
    const sut = applyPatch(aUser({ active: true }), okta.deactivateUser, 'User');

    expect(sut.resource['active']).toBe(false);
    expect(sut.changedPaths).toEqual(['active']);
  });

  it('given an inactive user, when Okta deactivates again, then nothing changes', () => {
    expect(applyPatch(aUser({ active: false }), okta.deactivateUser, 'User').changedPaths).toEqual([]);
  });

  it('given a group, when Okta renames it repeating the group id in the value, then the id is left alone and the name changes', () => {
    const group = aGroup();

    const sut = applyPatch(group, okta.renameGroup(group['id'] as string), 'Group');

    expect(sut.resource['displayName']).toBe('Test SCIMv2');
    expect(sut.resource['id']).toBe(group['id']);
    expect(sut.changedPaths).toEqual(['displayName']);
  });

  it('given a group, when Okta adds members with display names, then they are stored with their display', () => {
    const sut = applyPatch(aGroup(), okta.addMembers([{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }]), 'Group');

    expect(sut.resource['members']).toEqual([{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }]);
  });

  it('given a member, when Okta removes it with members[value eq "id"], then only that member goes', () => {
    const sut = applyPatch(aGroup(['u1', 'u2']), okta.removeMember('u1'), 'Group');

    expect(sut.resource['members']).toEqual([{ value: 'u2', type: 'User' }]);
    expect(sut.changedPaths).toEqual(['members']);
  });

  it('given a member already gone (a retry), when Okta removes it again, then it succeeds rather than failing deprovisioning', () => {
    expect(applyPatch(aGroup(['u2']), okta.removeMember('u1'), 'Group').changedPaths).toEqual([]);
  });

  it('given many members, when Okta removes several in one request (one operation each), then all of them go', () => {
    const body = patchBody(...['u1', 'u3', 'u5'].map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })));

    const sut = applyPatch(aGroup(['u1', 'u2', 'u3', 'u4', 'u5']), body, 'Group');

    expect((sut.resource['members'] as { value: string }[]).map((member) => member.value)).toEqual(['u2', 'u4']);
  });

  it('keeps operation order when removals are mixed with adds', () => {
    const body = patchBody(
      { op: 'remove', path: 'members[value eq "u1"]' },
      { op: 'add', path: 'members', value: [{ value: 'u1' }] },
      { op: 'remove', path: 'members[value eq "u2"]' },
    );

    const sut = applyPatch(aGroup(['u1', 'u2']), body, 'Group');

    expect(sut.resource['members']).toEqual([{ value: 'u1' }]);
  });

  it('given a group, when Okta replaces members with a full list, then the group has exactly that list', () => {
    const list = [
      { value: 'u7', display: 'seven@okta.local' },
      { value: 'u8', display: 'eight@okta.local' },
    ];

    const sut = applyPatch(aGroup(['u1', 'u7']), okta.replaceMembers(list), 'Group');

    expect(sut.resource['members']).toEqual(list);
  });

  it('given a group, when Okta replaces members with an empty list, then the group has no members', () => {
    expect(applyPatch(aGroup(['u1']), okta.replaceMembers([]), 'Group').resource).not.toHaveProperty('members');
  });

  it('takes a path-less password replace as a secret only', () => {
    const sut = applyPatch(aUser(), patchBody({ op: 'replace', value: { password: 'n3wP@ss' } }), 'User');

    expect(sut.secrets.password).toBe('n3wP@ss');
    expect(sut.resource).not.toHaveProperty('password');
  });
});
