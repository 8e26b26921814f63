import { aGroup, aUser, anEnterpriseUser, ENTERPRISE, failureOf, patchBody } from '../testing/scim-fixtures';
import { JsonObject } from '../shared/json';
import { applyPatch } from './apply-patch';

const patchUser = (user: JsonObject, ...operations: unknown[]) => applyPatch(user, patchBody(...operations), 'User');
const patchGroup = (group: JsonObject, ...operations: unknown[]) => applyPatch(group, patchBody(...operations), 'Group');

describe('applyPatch (RFC 7644 §3.5.2)', () => {
  describe('the request envelope', () => {
    it.each([
      ['a non-object body', 'nope', 'must be a JSON object'],
      ['no schemas', { Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      ['the wrong schema', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [] }, '"schemas" must be'],
      ['no Operations', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }, 'non-empty array'],
      ['empty Operations', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] }, 'non-empty array'],
      ['an operation that is not an object', patchBody('add'), 'Operations[0] must be an object'],
      ['a missing op', patchBody({ path: 'title', value: 'x' }), 'Operations[0].op must be "add", "remove" or "replace"'],
      ['an unknown op', patchBody({ op: 'delete', path: 'title' }), 'got "delete"'],
      ['add without value', patchBody({ op: 'add', path: 'title' }), 'must have a "value"'],
    ])('given %s, then 400 invalidSyntax', (_case, body, detail) => {
      const error = failureOf(() => applyPatch(aUser(), body, 'User'));

      expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
      expect(error.detail).toContain(detail);
    });

    it('accepts "operations" and "OP" in any case, since SCIM names are case-insensitive', () => {
      const body = { SCHEMAS: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], operations: [{ OP: 'REPLACE', Path: 'title', Value: 'CFO' }] };

      expect(applyPatch(aUser(), body, 'User').resource['title']).toBe('CFO');
    });
  });

  describe('add', () => {
    it('given a missing single-valued attribute, then it is added and reported', () => {
      const sut = patchUser(aUser(), { op: 'add', path: 'title', value: 'Tour Guide' });

      expect(sut.resource['title']).toBe('Tour Guide');
      expect(sut.changedPaths).toEqual(['title']);
    });

    it('given an existing single-valued attribute, then it is replaced', () => {
      expect(patchUser(aUser(), { op: 'add', path: 'displayName', value: 'B' }).resource['displayName']).toBe('B');
    });

    it('given a multi-valued attribute, then values are appended and exact duplicates skipped', () => {
      const sut = patchUser(aUser(), {
        op: 'add',
        path: 'emails',
        value: [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'babs@home.example.org', type: 'home' }],
      });

      expect(sut.resource['emails']).toEqual([
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@home.example.org', type: 'home' },
      ]);
    });

    it('given a new primary value, then the previous primary stops being primary', () => {
      const sut = patchUser(aUser(), { op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'work', primary: true }] });

      expect(sut.resource['emails']).toEqual([
        { value: 'bjensen@example.com', type: 'work', primary: false },
        { value: 'new@example.com', type: 'work', primary: true },
      ]);
    });

    it('given a complex attribute, then the sub-attributes are merged', () => {
      const sut = patchUser(aUser(), { op: 'add', path: 'name', value: { middleName: 'Jane' } });

      expect(sut.resource['name']).toEqual({ givenName: 'Barbara', familyName: 'Jensen', middleName: 'Jane' });
      expect(sut.changedPaths).toEqual(['name.middleName']);
    });

    it('given the value already present, then nothing changes', () => {
      const user = aUser();

      expect(patchUser(user, { op: 'add', path: 'userName', value: user['userName'] }).changedPaths).toEqual([]);
    });

    it('given no path, then each attribute of the value is added', () => {
      const sut = patchUser(aUser(), {
        op: 'add',
        value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickName: 'Babs', [ENTERPRISE]: { employeeNumber: '701984' } },
      });

      expect(sut.resource['emails']).toHaveLength(2);
      expect(sut.resource['nickName']).toBe('Babs');
      expect(sut.resource[ENTERPRISE]).toEqual({ employeeNumber: '701984' });
      expect(sut.resource['schemas']).toContain(ENTERPRISE);
    });

    it('given a filter plus sub-attribute that matches nothing, then a value is created from the filter', () => {
      const sut = patchUser(aUser(), { op: 'add', path: 'addresses[type eq "work"].streetAddress', value: '100 Universal City Plaza' });

      expect(sut.resource['addresses']).toEqual([{ type: 'work', streetAddress: '100 Universal City Plaza' }]);
    });

    it('given a filter that cannot describe a new value (not an equality), then 400 noTarget', () => {
      const error = failureOf(() => patchUser(aUser(), { op: 'add', path: 'emails[value co "@nowhere"].type', value: 'other' }));

      expect(error.scimType).toBe('noTarget');
    });
  });

  describe('replace', () => {
    it('replaces a single-valued attribute', () => {
      const sut = patchUser(aUser(), { op: 'replace', path: 'userName', value: 'babs@example.com' });

      expect(sut.resource['userName']).toBe('babs@example.com');
      expect(sut.changedPaths).toEqual(['userName']);
    });

    it('replaces all values of a multi-valued attribute when there is no filter', () => {
      const sut = patchUser(aUser(), { op: 'replace', path: 'emails', value: [{ value: 'only@example.com', type: 'work' }] });

      expect(sut.resource['emails']).toEqual([{ value: 'only@example.com', type: 'work' }]);
    });

    it('replaces the selected sub-attribute of every matching value', () => {
      const user = aUser({ addresses: [{ type: 'work', streetAddress: 'Old 1', locality: 'Hollywood' }, { type: 'home', streetAddress: 'Home 2' }] });

      const sut = patchUser(user, { op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '911 Universal City Plaza' });

      expect(sut.resource['addresses']).toEqual([
        { type: 'work', streetAddress: '911 Universal City Plaza', locality: 'Hollywood' },
        { type: 'home', streetAddress: 'Home 2' },
      ]);
      expect(sut.changedPaths).toEqual(['addresses']);
    });

    it('merges a value into every matching record when the path has a filter but no sub-attribute', () => {
      const sut = patchUser(aUser(), { op: 'replace', path: 'emails[type eq "work"]', value: { value: 'new@example.com' } });

      expect(sut.resource['emails']).toEqual([{ value: 'new@example.com', type: 'work', primary: true }]);
    });

    it('given a filter matching nothing, then 400 noTarget naming the attribute', () => {
      const error = failureOf(() => patchUser(aUser(), { op: 'replace', path: 'emails[type eq "home"].value', value: 'x@y' }));

      expect(error).toMatchObject({ status: 400, scimType: 'noTarget' });
      expect(error.detail).toBe('Operations[0] (replace "emails[type eq "home"].value"): no value of emails matches the filter, so there is nothing to replace');
    });

    it('treats a replace of an absent attribute as an add', () => {
      expect(patchUser(aUser(), { op: 'replace', path: 'name.honorificPrefix', value: 'Ms.' }).resource['name']).toMatchObject({ honorificPrefix: 'Ms.' });
    });

    it('leaves unspecified sub-attributes of a complex attribute unchanged', () => {
      const sut = patchUser(aUser(), { op: 'replace', path: 'name', value: { familyName: 'Jensen-Smith' } });

      expect(sut.resource['name']).toEqual({ givenName: 'Barbara', familyName: 'Jensen-Smith' });
    });

    it('given null or "", then the attribute becomes unassigned', () => {
      const sut = patchUser(aUser({ title: 'Boss' }), { op: 'replace', path: 'title', value: null }, { op: 'replace', path: 'displayName', value: '' });

      expect(sut.resource).not.toHaveProperty('title');
      expect(sut.resource).not.toHaveProperty('displayName');
      expect(sut.changedPaths).toEqual(['displayName', 'title']);
    });

    it('accepts the extension URN itself as the path, and a value-path key inside a path-less value', () => {
      const sut = patchUser(
        aUser(),
        { op: 'add', path: ENTERPRISE, value: { department: 'Ops' } },
        { op: 'replace', value: { 'emails[type eq "work"].value': 'w@example.com' } },
      );

      expect(sut.resource[ENTERPRISE]).toEqual({ department: 'Ops' });
      expect(sut.resource['emails']).toEqual([{ value: 'w@example.com', type: 'work', primary: true }]);
    });

    it('replaces the whole extension object given under its URN without a path', () => {
      const user = anEnterpriseUser({ department: 'Finance', costCenter: '1' });

      const sut = patchUser(user, { op: 'replace', value: { [ENTERPRISE]: { department: 'Legal' } } });

      expect(sut.resource[ENTERPRISE]).toEqual({ department: 'Legal', costCenter: '1' });
    });
  });

  describe('remove', () => {
    it('given no path, then 400 noTarget', () => {
      expect(failureOf(() => patchUser(aUser(), { op: 'remove' }))).toMatchObject({ status: 400, scimType: 'noTarget' });
    });

    it('removes a single-valued attribute, and an absent one without complaint', () => {
      const sut = patchUser(aUser({ title: 'x' }), { op: 'remove', path: 'title' }, { op: 'remove', path: 'nickName' });

      expect(sut.resource).not.toHaveProperty('title');
      expect(sut.changedPaths).toEqual(['title']);
    });

    it('removes a sub-attribute, and the complex attribute once it is empty', () => {
      const sut = patchUser(aUser(), { op: 'remove', path: 'name.givenName' }, { op: 'remove', path: 'name.familyName' });

      expect(sut.resource).not.toHaveProperty('name');
    });

    it('removes all values of a multi-valued attribute', () => {
      expect(patchUser(aUser(), { op: 'remove', path: 'emails' }).resource).not.toHaveProperty('emails');
    });

    it('removes the values a filter selects', () => {
      const user = aUser({ emails: [{ value: 'a@x', type: 'work' }, { value: 'b@x', type: 'home' }] });

      expect(patchUser(user, { op: 'remove', path: 'emails[type eq "home"]' }).resource['emails']).toEqual([{ value: 'a@x', type: 'work' }]);
    });

    it('given a filter selecting nothing on emails, then 400 noTarget (RFC 7644 §3.12)', () => {
      expect(failureOf(() => patchUser(aUser(), { op: 'remove', path: 'emails[type eq "fax"]' })).scimType).toBe('noTarget');
    });

    it('given a filter selecting an absent member, then it succeeds: the member is gone either way', () => {
      const group = aGroup(['u1']);

      const sut = patchGroup(group, { op: 'remove', path: 'members[value eq "u404"]' });

      expect(sut.resource['members']).toEqual(group['members']);
      expect(sut.changedPaths).toEqual([]);
    });

    it('removes a sub-attribute from the selected values only', () => {
      const user = aUser({ emails: [{ value: 'a@x', type: 'work', display: 'A' }, { value: 'b@x', type: 'home', display: 'B' }] });

      const sut = patchUser(user, { op: 'remove', path: 'emails[type eq "home"].display' });

      expect(sut.resource['emails']).toEqual([{ value: 'a@x', type: 'work', display: 'A' }, { value: 'b@x', type: 'home' }]);
    });

    it('removes an enterprise attribute and drops the empty extension', () => {
      const sut = patchUser(anEnterpriseUser({ department: 'Finance' }), { op: 'remove', path: `${ENTERPRISE}:department` });

      expect(sut.resource).not.toHaveProperty(ENTERPRISE);
      expect(sut.changedPaths).toEqual([`${ENTERPRISE}:department`]);
    });

    it('given the extension URN as the path, then every extension attribute goes; the core URN is refused', () => {
      const sut = patchUser(anEnterpriseUser({ department: 'Finance', costCenter: '7' }), { op: 'remove', path: ENTERPRISE });

      expect(sut.resource).not.toHaveProperty(ENTERPRISE);
      expect(sut.changedPaths).toEqual([`${ENTERPRISE}:costCenter`, `${ENTERPRISE}:department`]);
      expect(failureOf(() => patchUser(aUser(), { op: 'remove', path: 'urn:ietf:params:scim:schemas:core:2.0:User' })).scimType).toBe('invalidPath');
    });

    it('given a required attribute, then 400 mutability', () => {
      expect(failureOf(() => patchUser(aUser(), { op: 'remove', path: 'userName' }))).toMatchObject({ scimType: 'mutability' });
      expect(failureOf(() => patchGroup(aGroup(), { op: 'replace', path: 'displayName', value: null }))).toMatchObject({ scimType: 'mutability' });
    });
  });

  describe('mutability', () => {
    it.each([
      [{ op: 'replace', path: 'id', value: 'another-id' }, 'id is readOnly'],
      [{ op: 'remove', path: 'id' }, 'id is readOnly'],
      [{ op: 'replace', path: 'meta.lastModified', value: '2030-01-01T00:00:00Z' }, 'meta.lastModified is readOnly'],
      [{ op: 'add', path: 'groups', value: [{ value: 'g1' }] }, 'groups is readOnly'],
      [{ op: 'replace', value: { meta: { version: 'W/"99"' } } }, 'meta is readOnly'],
      [{ op: 'replace', path: `${ENTERPRISE}:manager.displayName`, value: 'Boss' }, 'manager.displayName is readOnly'],
    ])('given %j, then 400 mutability: %s', (operation, detail) => {
      const error = failureOf(() => patchUser(aUser(), operation));

      expect(error).toMatchObject({ status: 400, scimType: 'mutability' });
      expect(error.detail).toContain(detail);
    });

    it('given the current id repeated in a path-less replace, then it is ignored, not refused', () => {
      const user = aUser();

      const sut = patchUser(user, { op: 'replace', value: { id: user['id'], title: 'x' } });

      expect(sut.resource['title']).toBe('x');
      expect(sut.ignoredAttributes).toEqual([{ path: 'id', reason: 'readOnly' }]);
    });

    it('given a change to an immutable member value, then 400 mutability', () => {
      const error = failureOf(() => patchGroup(aGroup(['u1']), { op: 'replace', path: 'members[value eq "u1"].value', value: 'u2' }));

      expect(error).toMatchObject({ scimType: 'mutability' });
      expect(error.detail).toContain('members.value is immutable');
    });
  });

  describe('paths and values that are wrong', () => {
    it.each([
      ['shoeSize'],
      ['name.nickname'],
      ['urn:example:custom:2.0:User:badge'],
      ['emails[type eq "work"'],
      ['emails[type eq "work"].kind'],
      ['emails[kind eq "work"]'],
      ['title[value eq "x"]'],
      ['userName eq "x"'],
    ])('given the path %s, then 400 invalidPath', (path) => {
      const error = failureOf(() => patchUser(aUser(), { op: 'replace', path, value: 'x' }));

      expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
      expect(error.detail).toMatch(/^Operations\[0\] \(replace "/);
    });

    it.each([
      [{ op: 'replace', path: 'active', value: 'yes' }, 'active must be true or false'],
      [{ op: 'replace', path: 'userName', value: 42 }, 'userName must be a string'],
      [{ op: 'replace', path: 'name', value: 'Barbara' }, 'name must be an object'],
      [{ op: 'add', path: 'emails', value: [{ value: 'a@b', primary: 'sometimes' }] }, 'emails[0].primary must be true or false'],
      [{ op: 'replace', path: 'title', value: ['a', 'b'] }, 'title is single-valued'],
      [{ op: 'add', value: 'not an object' }, 'without a "path", "value" must be an object'],
      [{ op: 'add', value: { [ENTERPRISE]: 'Finance' } }, 'must be an object of EnterpriseUser attributes'],
    ])('given %j, then 400 invalidValue: %s', (operation, detail) => {
      const error = failureOf(() => patchUser(aUser(), operation));

      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(error.detail).toContain(detail);
    });

    it('names the failing operation by index', () => {
      const error = failureOf(() => patchUser(aUser(), { op: 'replace', path: 'title', value: 'ok' }, { op: 'replace', path: 'active', value: 3 }));

      expect(error.detail).toMatch(/^Operations\[1\] \(replace "active"\): active must be true or false, got 3$/);
    });

    it('ignores and reports unknown attributes inside a path-less value', () => {
      const sut = patchUser(aUser(), { op: 'replace', value: { title: 'x', shoeSize: 44, 'name.nickname': 'y' } });

      expect(sut.resource['title']).toBe('x');
      expect(sut.ignoredAttributes).toEqual([
        { path: 'shoeSize', reason: 'unknownAttribute' },
        { path: 'name.nickname', reason: 'unknownAttribute' },
      ]);
    });
  });

  describe('atomicity', () => {
    it('never mutates the input, even when a later operation fails', () => {
      const user = aUser();
      const before = JSON.stringify(user);

      failureOf(() => patchUser(user, { op: 'replace', path: 'title', value: 'x' }, { op: 'remove', path: 'emails' }, { op: 'replace', path: 'id', value: 'y' }));
      patchUser(user, { op: 'replace', path: 'name.givenName', value: 'Z' }, { op: 'add', path: 'emails', value: [{ value: 'n@x' }] });

      expect(JSON.stringify(user)).toBe(before);
    });

    it('applies operations in order, each seeing the previous one', () => {
      const sut = patchUser(aUser(), { op: 'add', path: 'emails', value: [{ value: 'h@x', type: 'home' }] }, { op: 'replace', path: 'emails[type eq "home"].value', value: 'home@x' });

      expect(sut.resource['emails']).toContainEqual({ value: 'home@x', type: 'home' });
    });
  });

  it('given a "__proto__" key in a parsed body, then it is an ignored attribute and pollutes nothing', () => {
    const body = JSON.parse('{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"__proto__":{"polluted":true},"title":"x"}}]}');

    const sut = applyPatch(JSON.parse('{"userName":"a","__proto__":{"polluted":true}}'), body, 'User');

    expect(sut.resource['title']).toBe('x');
    expect(sut.ignoredAttributes).toEqual([{ path: '__proto__', reason: 'unknownAttribute' }]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(sut.resource)).toBe(Object.prototype);
  });

  describe('password', () => {
    it('given a password in a PATCH, then it is returned as a secret and never stored in the resource', () => {
      const sut = patchUser(aUser(), { op: 'replace', value: { password: 't1meMa$heen' } });

      expect(sut.secrets).toEqual({ password: 't1meMa$heen' });
      expect(JSON.stringify(sut.resource)).not.toContain('t1meMa$heen');
      expect(sut.changedPaths).toEqual(['password']);
    });

    it('drops a password that was somehow stored', () => {
      expect(patchUser(aUser({ password: 'old' }), { op: 'replace', path: 'title', value: 'x' }).resource).not.toHaveProperty('password');
    });
  });

  it('reports changed paths in canonical spelling, with sub-attributes of single-valued complex attributes', () => {
    const sut = patchUser(anEnterpriseUser({ manager: { value: 'm1' } }), {
      op: 'replace',
      value: { 'NAME.GIVENNAME': 'Z', ACTIVE: false, [`${ENTERPRISE}:manager`]: 'm2', [`${ENTERPRISE}:Department`]: 'Ops' },
    });

    expect(sut.changedPaths).toEqual(['name.givenName', 'active', `${ENTERPRISE}:department`, `${ENTERPRISE}:manager.value`]);
  });
});
