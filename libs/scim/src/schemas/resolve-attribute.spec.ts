import { ENTERPRISE_USER_SCHEMA_URN } from './enterprise-user.schema';
import { resolveAttribute, resolveSchemaUrn } from './resolve-attribute';
import { USER_SCHEMA_URN } from './user.schema';

describe('resolveAttribute', () => {
  it.each([
    ['userName', 'userName'],
    ['USERNAME', 'userName'],
    ['name.givenName', 'name.givenName'],
    ['NAME.GIVENNAME', 'name.givenName'],
    ['emails.value', 'emails.value'],
    ['meta.lastModified', 'meta.lastModified'],
    ['id', 'id'],
    ['externalId', 'externalId'],
    [`${USER_SCHEMA_URN}:userName`, 'userName'],
    [`${USER_SCHEMA_URN}:name.familyName`, 'name.familyName'],
    [`${ENTERPRISE_USER_SCHEMA_URN}:department`, `${ENTERPRISE_USER_SCHEMA_URN}:department`],
    [`${ENTERPRISE_USER_SCHEMA_URN}:manager.value`, `${ENTERPRISE_USER_SCHEMA_URN}:manager.value`],
    [`${ENTERPRISE_USER_SCHEMA_URN.toUpperCase()}:MANAGER.VALUE`, `${ENTERPRISE_USER_SCHEMA_URN}:manager.value`],
  ])('given the User path %s, then it resolves to the canonical %s', (path, canonical) => {
    expect(resolveAttribute('User', path)?.path).toBe(canonical);
  });

  it('given an enterprise attribute, then it is marked as living under the extension URN', () => {
    const sut = resolveAttribute('User', `${ENTERPRISE_USER_SCHEMA_URN}:manager.value`)!;

    expect(sut).toMatchObject({ schema: ENTERPRISE_USER_SCHEMA_URN, extension: true });
    expect(sut.attribute.name).toBe('manager');
    expect(sut.subAttribute?.name).toBe('value');
  });

  it('given a core attribute, then it reports its characteristics (userName: required, case-insensitive, unique)', () => {
    const sut = resolveAttribute('User', 'userName')!;

    expect(sut.attribute).toMatchObject({ type: 'string', required: true, caseExact: false, uniqueness: 'server', mutability: 'readWrite' });
  });

  it.each([
    ['usrName'],
    ['name.nickname'],
    ['userName.value'],
    ['name.givenName.extra'],
    ['department'],
    ['urn:example:unknown:2.0:User:department'],
    [`${ENTERPRISE_USER_SCHEMA_URN}:shoeSize`],
    ['name.'],
    [''],
  ])('given the unknown User path "%s", then it does not resolve', (path) => {
    expect(resolveAttribute('User', path)).toBeUndefined();
  });

  it('given a Group, then members.value resolves and User-only attributes do not', () => {
    expect(resolveAttribute('Group', 'members.value')?.path).toBe('members.value');
    expect(resolveAttribute('Group', 'userName')).toBeUndefined();
    expect(resolveAttribute('Group', `${ENTERPRISE_USER_SCHEMA_URN}:department`)).toBeUndefined();
  });

  it('resolves schema URNs a resource type uses, case-insensitively', () => {
    expect(resolveSchemaUrn('User', ENTERPRISE_USER_SCHEMA_URN.toLowerCase())?.id).toBe(ENTERPRISE_USER_SCHEMA_URN);
    expect(resolveSchemaUrn('Group', ENTERPRISE_USER_SCHEMA_URN)).toBeUndefined();
  });
});
