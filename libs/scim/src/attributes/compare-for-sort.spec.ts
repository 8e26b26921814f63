import { JsonObject } from '../shared/json';
import { aUser, anEnterpriseUser, ENTERPRISE, failureOf } from '../testing/scim-fixtures';
import { compareForSort } from './compare-for-sort';

const idsSortedBy = (resources: JsonObject[], sortBy: string, sortOrder?: string) =>
  [...resources].sort(compareForSort(sortBy, sortOrder, 'User')).map((resource) => resource['id']);

describe('compareForSort (RFC 7644 §3.4.2.3)', () => {
  const users = [
    aUser({ id: 'b', userName: 'bob', meta: { lastModified: '2024-01-02T00:00:00Z' } }),
    aUser({ id: 'A', userName: 'Alice', meta: { lastModified: '2024-01-03T00:00:00+05:00' } }),
    aUser({ id: 'c', userName: 'carol', meta: { lastModified: '2024-01-01T00:00:00Z' } }),
  ];

  it('sorts case-insensitive strings without regard to case (userName)', () => {
    expect(idsSortedBy(users, 'userName')).toEqual(['A', 'b', 'c']);
  });

  it('sorts case-exact strings by code point (id: "A" before "b")', () => {
    expect(idsSortedBy(users, 'id')).toEqual(['A', 'b', 'c']);
    expect(idsSortedBy([aUser({ id: 'b' }), aUser({ id: 'B' })], 'id')).toEqual(['B', 'b']);
  });

  it('sorts dateTimes as instants, honouring offsets', () => {
    expect(idsSortedBy(users, 'meta.lastModified')).toEqual(['c', 'b', 'A']);
  });

  it('given descending, then the order is reversed', () => {
    expect(idsSortedBy(users, 'userName', 'descending')).toEqual(['c', 'b', 'A']);
    expect(idsSortedBy(users, 'userName', 'DESCENDING')).toEqual(['c', 'b', 'A']);
  });

  it('given a missing value, then that resource sorts last ascending and first descending', () => {
    const withoutTitle = aUser({ id: 'none' });
    const titled = [aUser({ id: 'z', title: 'Zed' }), withoutTitle, aUser({ id: 'a', title: 'Ay' })];

    expect(idsSortedBy(titled, 'title')).toEqual(['a', 'z', 'none']);
    expect(idsSortedBy(titled, 'title', 'descending')).toEqual(['none', 'z', 'a']);
  });

  it('sorts a multi-valued attribute by its primary value, else its first value', () => {
    const primaryLast = aUser({ id: 'p', emails: [{ value: 'zzz@x' }, { value: 'aaa@x', primary: true }] });
    const firstOnly = aUser({ id: 'f', emails: [{ value: 'mmm@x' }, { value: 'bbb@x' }] });

    expect(idsSortedBy([firstOnly, primaryLast], 'emails.value')).toEqual(['p', 'f']);
    expect(idsSortedBy([firstOnly, primaryLast], 'emails')).toEqual(['p', 'f']);
  });

  it('sorts by URN-qualified extension attributes', () => {
    const finance = anEnterpriseUser({ department: 'Finance' }, { id: 'fin' });
    const legal = anEnterpriseUser({ department: 'legal' }, { id: 'leg' });

    expect(idsSortedBy([legal, finance], `${ENTERPRISE}:department`)).toEqual(['fin', 'leg']);
  });

  it('given an unknown sortBy, then it is 400 invalidValue naming the attribute', () => {
    const error = failureOf(() => compareForSort('shoeSize', undefined, 'User'));

    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(error.detail).toContain('"shoeSize" is not an attribute of User');
  });

  it('given a complex attribute without a value sub-attribute, then it is 400 invalidValue suggesting one', () => {
    expect(failureOf(() => compareForSort('name', undefined, 'User')).detail).toContain('name.formatted');
  });

  it('given an unknown sortOrder, then it is 400 invalidValue', () => {
    expect(failureOf(() => compareForSort('userName', 'sideways', 'User'))).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });
});
