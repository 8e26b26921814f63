import fc from 'fast-check';
import { ScimError } from '../errors/scim-error';
import { aUser, anEnterpriseUser } from '../testing/scim-fixtures';
import { matchesFilter } from './filter-evaluator';
import { parseFilter } from './filter-parser';

const FRAGMENTS = [
  'userName', 'name.givenName', 'emails', 'emails.value', 'meta.lastModified', 'active', 'title', 'id',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value', 'members', 'type', 'value',
  'eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not', 'AND', 'Or',
  '(', ')', '[', ']', '"x"', '"2011-05-13T04:42:34Z"', '"\\u00e9"', '"\\"', '"', 'true', 'false', 'null', '42', '-1.5e3', '.value', '\\',
];

/** Throws unless the outcome is a parsed filter or a ScimError 400 invalidFilter. */
function parseOrReject(text: string): void {
  try {
    const filter = parseFilter(text, 'User');
    matchesFilter(filter, aUser());
    matchesFilter(filter, anEnterpriseUser({ manager: { value: 'x' } }));
  } catch (error) {
    if (!(error instanceof ScimError) || error.status !== 400 || error.scimType !== 'invalidFilter') throw error;
  }
}

describe('parseFilter on arbitrary input', () => {
  it('given any string, then it parses or throws ScimError 400 invalidFilter, never anything else', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), parseOrReject), { numRuns: 2000 });
  });

  it('given sequences of filter tokens, then it parses or throws ScimError 400 invalidFilter', () => {
    const tokens = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 25 });
    fc.assert(fc.property(tokens, fc.constantFrom(' ', '', '  '), (parts, separator) => parseOrReject(parts.join(separator))), {
      numRuns: 3000,
    });
  });

  it('given any non-string input from an untyped caller, then it is a 400 too', () => {
    fc.assert(fc.property(fc.anything(), (value) => parseOrReject(value as string)), { numRuns: 300 });
  });
});
