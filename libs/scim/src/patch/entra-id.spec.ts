import { aGroup, aUser, anEnterpriseUser, ENTERPRISE, patchBody } from '../testing/scim-fixtures';
import { entra } from '../testing/idp-requests';
import { applyPatch } from './apply-patch';

/** Replays Microsoft Entra ID's PATCH requests unchanged (capitalised ops, "True"/"False", dotted keys). */
describe('PATCH as Microsoft Entra ID sends it', () => {
  it('given an active user, when Entra disables it with {"op":"Replace","path":"active","value":"False"}, then active is boolean false', () => {
    const sut = applyPatch(aUser({ active: true }), entra.disableUser, 'User');

    expect(sut.resource['active']).toBe(false);
    expect(sut.changedPaths).toEqual(['active']);
  });

  it('given a user, when Entra replaces without a path using dotted and URN keys, then each lands in its place', () => {
    const sut = applyPatch(aUser({ active: false }), entra.replaceWithoutPath, 'User');

    expect(sut.resource).toMatchObject({
      active: true,
      name: { givenName: 'Grace', familyName: 'Hopper' },
      [ENTERPRISE]: { department: 'Research', employeeNumber: '1906' },
    });
    expect(sut.resource['schemas']).toContain(ENTERPRISE);
    expect(sut.changedPaths).toEqual([
      'schemas',
      'name.familyName',
      'name.givenName',
      'active',
      `${ENTERPRISE}:employeeNumber`,
      `${ENTERPRISE}:department`,
    ]);
  });

  it('given a user with a work email, when Entra replaces emails[type eq "work"].value, then only that email changes', () => {
    const user = aUser({ emails: [{ value: 'old@contoso.com', type: 'work', primary: true }, { value: 'me@home.org', type: 'home' }] });

    const sut = applyPatch(user, entra.updateMultiValued, 'User');

    expect(sut.resource['emails']).toEqual([
      { value: 'updatedEmail@microsoft.com', type: 'work', primary: true },
      { value: 'me@home.org', type: 'home' },
    ]);
    expect(sut.resource['name']).toMatchObject({ familyName: 'updatedFamilyName' });
  });

  it('given a user with no work email, when Entra adds emails[type eq "work"].value, then a work email is created', () => {
    const user = aUser({ emails: [{ value: 'me@home.org', type: 'home' }] });

    const sut = applyPatch(user, entra.addWorkEmail, 'User');

    expect(sut.resource['emails']).toEqual([{ value: 'me@home.org', type: 'home' }, { type: 'work', value: 'grace@contoso.com' }]);
  });

  it('given a user without emails at all, when Entra adds the work email, then emails is created', () => {
    const { emails: _, ...withoutEmails } = aUser();

    expect(applyPatch(withoutEmails, entra.addWorkEmail, 'User').resource['emails']).toEqual([{ type: 'work', value: 'grace@contoso.com' }]);
  });

  it('given a user with a work email, when Entra adds emails[type eq "work"].value, then the existing entry is updated, not duplicated', () => {
    const sut = applyPatch(aUser(), entra.addWorkEmail, 'User');

    expect(sut.resource['emails']).toEqual([{ value: 'grace@contoso.com', type: 'work', primary: true }]);
  });

  it('coerces "True" for a primary flag inside a filtered path', () => {
    const user = aUser({ emails: [{ value: 'a@x', type: 'work', primary: true }, { value: 'b@x', type: 'home' }] });

    const sut = applyPatch(user, patchBody({ op: 'Replace', path: 'emails[type eq "home"].primary', value: 'True' }), 'User');

    expect(sut.resource['emails']).toEqual([{ value: 'a@x', type: 'work', primary: false }, { value: 'b@x', type: 'home', primary: true }]);
  });

  it('given a user, when Entra sets the manager as a plain id string, then manager becomes {value}', () => {
    const sut = applyPatch(aUser(), entra.setManager('26118915-6090-4610-87e4-49d8ca9f808d'), 'User');

    expect(sut.resource[ENTERPRISE]).toEqual({ manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } });
    expect(sut.resource['schemas']).toContain(ENTERPRISE);
    expect(sut.changedPaths).toContain(`${ENTERPRISE}:manager.value`);
  });

  it('given a manager with a displayName, when Entra sets another manager, then the old displayName does not stick', () => {
    const user = anEnterpriseUser({ manager: { value: 'old-manager', displayName: 'Old Boss', $ref: '../Users/old-manager' } });

    const sut = applyPatch(user, entra.setManager('new-manager'), 'User');

    expect(sut.resource[ENTERPRISE]).toEqual({ manager: { value: 'new-manager' } });
  });

  it('accepts the manager as an object, or as a one-element array with a null $ref', () => {
    const asObject = applyPatch(aUser(), patchBody({ op: 'Add', path: `${ENTERPRISE}:manager`, value: { value: 'm1' } }), 'User');
    const asArray = applyPatch(aUser(), patchBody({ op: 'Add', path: `${ENTERPRISE}:manager`, value: [{ $ref: null, value: 'm1' }] }), 'User');

    expect(asObject.resource[ENTERPRISE]).toEqual({ manager: { value: 'm1' } });
    expect(asArray.resource[ENTERPRISE]).toEqual({ manager: { value: 'm1' } });
  });

  it('given a manager, when Entra removes it, then the extension disappears', () => {
    const sut = applyPatch(anEnterpriseUser({ manager: { value: 'm1' } }), entra.removeManager, 'User');

    expect(sut.resource).not.toHaveProperty(ENTERPRISE);
  });

  it('replaces userName with the single-valued form', () => {
    expect(applyPatch(aUser(), entra.updateSingleValued, 'User').resource['userName']).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
  });

  describe('groups', () => {
    it('given a group, when Entra adds members with a value array, then they are appended once each', () => {
      const sut = applyPatch(aGroup(['u1']), entra.addMembers(['u1', 'u2', 'u3', 'u2']), 'Group');

      expect(sut.resource['members']).toEqual([{ value: 'u1', type: 'User' }, { value: 'u2' }, { value: 'u3' }]);
      expect(sut.changedPaths).toEqual(['members']);
    });

    it('given a group, when Entra removes members with {"op":"Remove","path":"members","value":[...]}, then exactly those go', () => {
      const sut = applyPatch(aGroup(['u1', 'u2', 'u3']), entra.removeMembers(['u1', 'u3']), 'Group');

      expect(sut.resource['members']).toEqual([{ value: 'u2', type: 'User' }]);
    });

    it('given a member already removed, when Entra removes it again, then it succeeds with no change', () => {
      const sut = applyPatch(aGroup(['u2']), entra.removeMembers(['u1']), 'Group');

      expect(sut.changedPaths).toEqual([]);
    });

    it('given the last members removed, then members is unassigned', () => {
      expect(applyPatch(aGroup(['u1']), entra.removeMembers(['u1']), 'Group').resource).not.toHaveProperty('members');
    });

    it('renames a group with Replace displayName', () => {
      const sut = applyPatch(aGroup(), entra.renameGroup, 'Group');

      expect(sut.resource['displayName']).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
      expect(sut.changedPaths).toEqual(['displayName']);
    });

    it('accepts members with "$ref": null as Entra sends them', () => {
      const body = patchBody({ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u9' }] });

      expect(applyPatch(aGroup(), body, 'Group').resource['members']).toEqual([{ value: 'u9' }]);
    });
  });
});
