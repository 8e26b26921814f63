import { entra } from '../testing/idp-requests';
import { filterEqualityKey } from './filter-equality-key';
import { parseFilter } from './filter-parser';

const keyOf = (filter: string, resourceType: 'User' | 'Group' = 'User') => filterEqualityKey(parseFilter(filter, resourceType));

describe('filterEqualityKey', () => {
  it.each([
    ['userName eq "Bob"', { attribute: 'userName', value: 'Bob', caseExact: false }],
    ['externalId eq "ext-1"', { attribute: 'externalId', value: 'ext-1', caseExact: true }],
    ['id eq "u-1"', { attribute: 'id', value: 'u-1', caseExact: true }],
    ['displayName eq "Babs"', { attribute: 'displayName', value: 'Babs', caseExact: false }],
    ['USERNAME EQ "Bob"', { attribute: 'userName', value: 'Bob', caseExact: false }],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Bob"', { attribute: 'userName', value: 'Bob', caseExact: false }],
  ])('given %s, then the caller may look up %j in an index', (filter, expected) => {
    expect(keyOf(filter)).toEqual(expected);
  });

  it('given an equality ANDed with other conditions, then it still offers the equality', () => {
    expect(keyOf('active eq true and (userName eq "Bob" and title pr)')).toEqual({ attribute: 'userName', value: 'Bob', caseExact: false });
  });

  it('given several equalities, then it prefers the most selective (id > externalId > userName > displayName)', () => {
    expect(keyOf('displayName eq "B" and userName eq "b" and externalId eq "e"')).toMatchObject({ attribute: 'externalId' });
    expect(keyOf(entra.filters.groupMembership, 'Group')).toMatchObject({ attribute: 'id', value: 'e9e30dba-f08f-4109-8486-d5c6a331660a' });
  });

  it.each([
    ['userName eq "a" or userName eq "b"'],
    ['not (userName eq "a")'],
    ['userName ne "a"'],
    ['userName sw "a"'],
    ['title eq "a"'],
    ['emails[value eq "a"]'],
    ['userName eq null'],
  ])('given %s, then there is no single index lookup', (filter) => {
    expect(keyOf(filter)).toBeUndefined();
  });

  it('works for the Entra connection probe', () => {
    expect(keyOf(entra.filters.probe)).toEqual({ attribute: 'id', value: 'd3f1e0f6-8c6b-4d5e-9a3e-1f2b3c4d5e6f', caseExact: true });
  });
});
