import { ResourceTypeName } from '../schemas/resource-types';
import { JsonObject } from '../shared/json';
import { aGroup, aUser, anEnterpriseUser, ENTERPRISE } from '../testing/scim-fixtures';
import { entra } from '../testing/idp-requests';
import { matchesFilter } from './filter-evaluator';
import { parseFilter } from './filter-parser';

const matches = (filter: string, resource: JsonObject, resourceType: ResourceTypeName = 'User') =>
  matchesFilter(parseFilter(filter, resourceType), resource);

describe('matchesFilter', () => {
  describe('case rules come from the schema', () => {
    it('given userName "Test_User@contoso.com", when Entra looks it up in another case, then it matches (caseExact=false)', () => {
      const user = aUser({ userName: 'Test_User_ab6490ee@contoso.com' });

      expect(matches('userName eq "test_user_AB6490EE@contoso.com"', user)).toBe(true);
    });

    it('compares emails.value and displayName case-insensitively', () => {
      const user = aUser({ displayName: 'Babs Jensen' });

      expect(matches('emails.value eq "BJENSEN@EXAMPLE.COM"', user)).toBe(true);
      expect(matches('displayName sw "babs"', user)).toBe(true);
      expect(matches('displayName eq "Finance-Admins"', aGroup(), 'Group')).toBe(true);
    });

    it('compares id and externalId exactly (caseExact=true)', () => {
      const user = aUser({ externalId: 'Ext-ABC' });

      expect(matches('externalId eq "Ext-ABC"', user)).toBe(true);
      expect(matches('externalId eq "ext-abc"', user)).toBe(false);
      expect(matches('id eq "2819C223-7F76-453A-919D-413861904646"', user)).toBe(false);
    });
  });

  describe('operators', () => {
    const user = aUser({ title: 'Vice President', userType: 'Employee' });

    it.each([
      ['title eq "vice president"', true],
      ['title ne "Vice President"', false],
      ['title co "PRESIDENT"', true],
      ['title sw "vice"', true],
      ['title ew "dent"', true],
      ['title ew "vice"', false],
      ['title gt "A"', true],
      ['title lt "A"', false],
      ['title ge "vice president"', true],
      ['title le "vice president"', true],
      ['title pr', true],
      ['nickName pr', false],
      ['active eq true', true],
      ['active ne true', false],
      ['active eq "False"', false],
      ['title pr and userType eq "Employee"', true],
      ['title pr and userType eq "Intern"', false],
      ['nickName pr or userType eq "Employee"', true],
      ['not (userType eq "Intern")', true],
      ['not (userType eq "Employee")', false],
    ])('%s -> %s', (filter, expected) => {
      expect(matches(filter, user)).toBe(expected);
    });
  });

  describe('multi-valued attributes match when any value matches', () => {
    const user = aUser({
      emails: [
        { value: 'babs@home.example.org', type: 'home' },
        { value: 'bjensen@example.com', type: 'work', primary: true },
      ],
    });

    it('matches a sub-attribute of any value', () => {
      expect(matches('emails.value co "home.example.org"', user)).toBe(true);
      expect(matches('emails.type eq "other"', user)).toBe(false);
      expect(matches('emails co "example.com"', user)).toBe(true);
    });

    it('requires one value to satisfy the whole [filter], unlike two separate conditions', () => {
      expect(matches('emails[type eq "work" and value co "@example.com"]', user)).toBe(true);
      expect(matches('emails[type eq "home" and value co "@example.com"]', user)).toBe(false);
      expect(matches('emails.type eq "home" and emails.value co "@example.com"', user)).toBe(true);
    });

    it('treats ne on an attribute with several values as "some value differs"', () => {
      expect(matches('emails.type ne "work"', user)).toBe(true);
    });
  });

  describe('pr and unassigned values (RFC 7643 §2.5)', () => {
    it.each([
      ['an empty string', { title: '' }],
      ['null', { title: null }],
      ['an absent attribute', {}],
    ])('title given as %s is not present', (_label, overrides) => {
      expect(matches('title pr', aUser(overrides))).toBe(false);
      expect(matches('title eq null', aUser(overrides))).toBe(true);
    });

    it('an empty array, or values that are all empty, is not present', () => {
      expect(matches('emails pr', aUser({ emails: [] }))).toBe(false);
      expect(matches('emails pr', aUser({ emails: [{ value: '' }] }))).toBe(false);
      expect(matches('name pr', aUser({ name: { givenName: '' } }))).toBe(false);
      expect(matches('name pr', aUser())).toBe(true);
    });

    it('an absent attribute is "ne" anything and matches no other comparison', () => {
      const user = aUser();

      expect(matches('nickName ne "x"', user)).toBe(true);
      expect(matches('nickName eq "x"', user)).toBe(false);
      expect(matches('nickName co ""', user)).toBe(false);
    });
  });

  describe('dateTime attributes compare as instants', () => {
    const user = aUser({ meta: { resourceType: 'User', lastModified: '2011-05-13T04:42:34Z' } });

    it.each([
      ['meta.lastModified gt "2011-05-13T04:42:33Z"', true],
      ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
      ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
      ['meta.lastModified eq "2011-05-13T06:42:34+02:00"', true],
      ['meta.lastModified lt "2011-05-13T06:42:35+02:00"', true],
      ['meta.lastModified le "2011-05-13T04:42:34.000Z"', true],
      ['meta.lastModified sw "2011-05"', true],
    ])('%s -> %s', (filter, expected) => {
      expect(matches(filter, user)).toBe(expected);
    });

    it('an unparseable stored timestamp matches no ordering', () => {
      expect(matches('meta.lastModified gt "2000-01-01T00:00:00Z"', aUser({ meta: { lastModified: 'garbage' } }))).toBe(false);
    });
  });

  describe('enterprise extension attributes live under their URN', () => {
    const user = anEnterpriseUser({ department: 'Finance', manager: { value: 'mgr-1', displayName: 'Boss' } });

    it('matches department and manager.value through the URN path', () => {
      expect(matches(`${ENTERPRISE}:department eq "finance"`, user)).toBe(true);
      expect(matches(`${ENTERPRISE}:manager.value eq "mgr-1"`, user)).toBe(true);
      expect(matches(`${ENTERPRISE}:manager.value eq "MGR-1"`, user)).toBe(false);
      expect(matches(`${ENTERPRISE}:costCenter pr`, user)).toBe(false);
    });

    it('matches nothing on a user without the extension', () => {
      expect(matches(`${ENTERPRISE}:department eq "Finance"`, aUser())).toBe(false);
    });
  });

  describe('groups', () => {
    const group = aGroup(['2819c223-7f76-453a-919d-413861904646', 'other-user']);

    it('answers Entra membership checks: id eq "g" and members[value eq "u"]', () => {
      expect(matches(entra.filters.groupMembership, group, 'Group')).toBe(true);
      expect(matches(entra.filters.groupMembership, aGroup(['someone-else']), 'Group')).toBe(false);
    });

    it('reads `members eq "u"` as members.value, like most providers', () => {
      expect(matches('members eq "other-user"', group, 'Group')).toBe(true);
    });
  });

  it('reads attributes case-insensitively from the stored resource too', () => {
    expect(matches('userName eq "x"', { UserName: 'X' })).toBe(true);
  });
});
