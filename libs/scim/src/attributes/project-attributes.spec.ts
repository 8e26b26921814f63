import { aGroup, anEnterpriseUser, ENTERPRISE } from '../testing/scim-fixtures';
import { projectAttributes } from './project-attributes';

const storedUser = () =>
  anEnterpriseUser(
    { department: 'Finance', costCenter: 'CC-7', manager: { value: 'mgr-1', displayName: 'Boss' } },
    {
      password: 'must-never-leave',
      title: 'Analyst',
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@home.example.org', type: 'home' },
      ],
    },
  );

describe('projectAttributes (RFC 7644 §3.4.2.5)', () => {
  it('given no parameters, then every default attribute is returned and password never is', () => {
    const sut = projectAttributes(storedUser(), 'User');

    expect(sut['password']).toBeUndefined();
    expect(sut).toMatchObject({ userName: 'bjensen@example.com', title: 'Analyst', [ENTERPRISE]: { department: 'Finance' } });
    expect(Object.keys(sut).slice(0, 4)).toEqual(['schemas', 'id', 'externalId', 'meta']);
  });

  it('given attributes=userName, then only userName and the always-returned id, schemas and meta come back', () => {
    const sut = projectAttributes(storedUser(), 'User', { attributes: 'userName' });

    expect(Object.keys(sut).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
  });

  it('given attributes with sub-attributes, then only those sub-attributes of each value come back', () => {
    const sut = projectAttributes(storedUser(), 'User', { attributes: ['name.givenName', 'emails.value'] });

    expect(sut['name']).toEqual({ givenName: 'Barbara' });
    expect(sut['emails']).toEqual([{ value: 'bjensen@example.com' }, { value: 'babs@home.example.org' }]);
  });

  it('given a URN-qualified extension attribute, then it comes back nested under the extension URN', () => {
    const sut = projectAttributes(storedUser(), 'User', { attributes: `${ENTERPRISE}:department,${ENTERPRISE}:manager.value` });

    expect(sut[ENTERPRISE]).toEqual({ department: 'Finance', manager: { value: 'mgr-1' } });
    expect(sut['userName']).toBeUndefined();
  });

  it('given a whole schema URN, then all of that schema’s attributes come back', () => {
    const sut = projectAttributes(storedUser(), 'User', { attributes: ENTERPRISE });

    expect(sut[ENTERPRISE]).toEqual({ department: 'Finance', costCenter: 'CC-7', manager: { value: 'mgr-1', displayName: 'Boss' } });
    expect(sut['title']).toBeUndefined();
  });

  it('matches names case-insensitively and accepts the core URN prefix', () => {
    const sut = projectAttributes(storedUser(), 'User', { attributes: 'USERNAME, urn:ietf:params:scim:schemas:core:2.0:User:title' });

    expect(sut).toMatchObject({ userName: 'bjensen@example.com', title: 'Analyst' });
  });

  it('given excludedAttributes=members, then a Group comes back without its members (Entra’s group lookup)', () => {
    const sut = projectAttributes(aGroup(['u1', 'u2']), 'Group', { excludedAttributes: 'members' });

    expect(sut['members']).toBeUndefined();
    expect(sut).toMatchObject({ id: 'e9e30dba-f08f-4109-8486-d5c6a331660a', displayName: 'finance-admins' });
  });

  it('given excluded sub-attributes and extension attributes, then only those are removed', () => {
    const sut = projectAttributes(storedUser(), 'User', { excludedAttributes: `emails.type,name.familyName,${ENTERPRISE}:costCenter` });

    expect(sut['emails']).toEqual([{ value: 'bjensen@example.com', primary: true }, { value: 'babs@home.example.org' }]);
    expect(sut['name']).toEqual({ givenName: 'Barbara' });
    expect(sut[ENTERPRISE]).toEqual({ department: 'Finance', manager: { value: 'mgr-1', displayName: 'Boss' } });
  });

  it('never drops always-returned attributes, even when excluded', () => {
    const sut = projectAttributes(storedUser(), 'User', { excludedAttributes: 'id,schemas,meta,userName' });

    expect(sut).toHaveProperty('id');
    expect(sut).toHaveProperty('schemas');
    expect(sut).toHaveProperty('meta');
    expect(sut).not.toHaveProperty('userName');
  });

  it('never returns password, even when asked for', () => {
    expect(projectAttributes(storedUser(), 'User', { attributes: 'password' })).not.toHaveProperty('password');
  });

  it('ignores unknown names rather than failing the request', () => {
    const sut = projectAttributes(storedUser(), 'User', { attributes: 'userName,shoeSize', excludedAttributes: 'nope' });

    expect(Object.keys(sut).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
  });

  it('leaves the stored resource untouched', () => {
    const stored = storedUser();
    const before = JSON.stringify(stored);

    projectAttributes(stored, 'User', { attributes: 'name.givenName' });

    expect(JSON.stringify(stored)).toBe(before);
  });
});
