import { ENTERPRISE, failureOf } from '../testing/scim-fixtures';
import { entra, okta } from '../testing/idp-requests';
import { FilterNode } from './filter-ast';
import { parseFilter } from './filter-parser';

/** A compact rendering of the AST so precedence is visible at a glance. */
function shape(node: FilterNode): string {
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${node.operands.map(shape).join(` ${node.type} `)})`;
    case 'not':
      return `not ${shape(node.operand)}`;
    case 'present':
      return `${node.attribute.path} pr`;
    case 'valuePath':
      return `${node.attribute.path}[${shape(node.filter)}]`;
    case 'comparison':
      return `${node.attribute.path} ${node.operator} ${JSON.stringify(node.value)}`;
  }
}

describe('parseFilter: RFC 7644 §3.4.2.2 grammar', () => {
  it.each([
    ['userName eq "bjensen"', 'userName eq "bjensen"'],
    ['name.familyName co "O\'Malley"', 'name.familyName co "O\'Malley"'],
    ['userName sw "J"', 'userName sw "J"'],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', 'userName sw "J"'],
    ['title pr', 'title pr'],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', 'meta.lastModified gt "2011-05-13T04:42:34Z"'],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', 'meta.lastModified ge "2011-05-13T04:42:34Z"'],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', 'meta.lastModified lt "2011-05-13T04:42:34Z"'],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', 'meta.lastModified le "2011-05-13T04:42:34Z"'],
    ['title pr and userType eq "Employee"', '(title pr and userType eq "Employee")'],
    ['title pr or userType eq "Intern"', '(title pr or userType eq "Intern")'],
    [`schemas eq "${ENTERPRISE}"`, `schemas eq "${ENTERPRISE}"`],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      '(userType eq "Employee" and (emails.value co "example.com" or emails.value co "example.org"))',
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      '(userType ne "Employee" and not (emails.value co "example.com" or emails.value co "example.org"))',
    ],
    ['userType eq "Employee" and (emails.type eq "work")', '(userType eq "Employee" and emails.type eq "work")'],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      '(userType eq "Employee" and emails[(emails.type eq "work" and emails.value co "@example.com")])',
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      '(emails[(emails.type eq "work" and emails.value co "@example.com")] or ims[(ims.type eq "xmpp" and ims.value co "@foo.com")])',
    ],
  ])('given the RFC example %s, then it parses to %s', (filter, expected) => {
    expect(shape(parseFilter(filter, 'User'))).toBe(expected);
  });

  describe('precedence: not > and > or, parentheses group', () => {
    it.each([
      ['title pr or userType eq "A" and active eq true', '(title pr or (userType eq "A" and active eq true))'],
      ['title pr and userType eq "A" or active eq true', '((title pr and userType eq "A") or active eq true)'],
      ['(title pr or userType eq "A") and active eq true', '((title pr or userType eq "A") and active eq true)'],
      ['not (title pr) and active eq true', '(not title pr and active eq true)'],
      ['not (title pr and active eq true)', 'not (title pr and active eq true)'],
      ['((((userName eq "x"))))', 'userName eq "x"'],
      ['title pr or nickName pr or locale pr', '(title pr or nickName pr or locale pr)'],
    ])('%s parses as %s', (filter, expected) => {
      expect(shape(parseFilter(filter, 'User'))).toBe(expected);
    });
  });

  describe('values', () => {
    it('decodes JSON string escapes, including \\uXXXX', () => {
      const sut = parseFilter('displayName eq "a\\"b\\\\c\\/d\\u00e9\\n"', 'User');

      expect(sut).toMatchObject({ value: 'a"b\\c/dé\n' });
    });

    it('reads true, false and null case-insensitively, and the "True" string Entra sends for booleans', () => {
      expect(parseFilter('active eq TRUE', 'User')).toMatchObject({ value: true });
      expect(parseFilter('active eq false', 'User')).toMatchObject({ value: false });
      expect(parseFilter('active eq "True"', 'User')).toMatchObject({ value: true });
      expect(parseFilter('title eq null', 'User')).toMatchObject({ value: null });
    });

    it('keeps dateTime values and their instant, so offsets compare correctly', () => {
      const sut = parseFilter('meta.lastModified gt "2011-05-13T06:42:34+02:00"', 'User');

      expect(sut).toMatchObject({ value: '2011-05-13T06:42:34+02:00', instant: Date.parse('2011-05-13T04:42:34Z') });
    });

    it('accepts operators and keywords in any case', () => {
      expect(shape(parseFilter('userName EQ "x" AND title PR OR NOT (active Eq true)', 'User'))).toBe(
        '((userName eq "x" and title pr) or not active eq true)',
      );
    });

    it('accepts URN-qualified enterprise attributes and their sub-attributes', () => {
      expect(shape(parseFilter(`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, 'User'))).toBe(
        `${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
      );
      expect(shape(parseFilter(`${ENTERPRISE}:manager eq "m1"`, 'User'))).toBe(`${ENTERPRISE}:manager.value eq "m1"`);
    });

    it('tolerates tabs, newlines and repeated spaces between tokens', () => {
      expect(shape(parseFilter('  userName\teq\n"x"   and   title pr ', 'User'))).toBe('(userName eq "x" and title pr)');
    });
  });

  describe('the requests IdPs really send', () => {
    it.each([...Object.values(entra.filters).map((f) => ['Entra ID', f]), ...Object.values(okta.filters).map((f) => ['Okta', f])])(
      '%s: %s parses',
      (_idp, filter) => {
        const resourceType = filter.startsWith('displayName') || filter.includes('members') ? 'Group' : 'User';
        expect(() => parseFilter(filter, resourceType)).not.toThrow();
      },
    );
  });

  describe('errors are 400 invalidFilter with the position and a hint', () => {
    it.each([
      ['', 0, 'the filter is empty'],
      ['userName eq', 11, 'expected a value after "eq"'],
      ['userName eq "x" junk', 16, 'expected "and", "or" or end of filter'],
      ['userName eq "x")', 15, 'unmatched ")"'],
      ['(userName eq "x"', 16, 'missing ")" to close "(" opened at position 0'],
      ['userName eq "x" and', 19, 'expected an attribute name'],
      ['userName = "x"', 9, 'SCIM uses "eq"'],
      ["userName eq 'x'", 12, 'double quotes'],
      ['userName eq bjensen', 12, 'string values must be in double quotes'],
      ['userName eq "unterminated', 12, 'string is not closed'],
      ['userName eq "bad \\q escape"', 17, 'invalid escape'],
      ['userName eq "\\u12"', 13, 'invalid unicode escape'],
      ['userName like "x"', 9, 'expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr)'],
      ['usrName eq "x"', 0, 'unknown attribute "usrName" for resource type User'],
      ['name.nickname eq "x"', 0, 'unknown attribute "name.nickname"'],
      ['department eq "Sales"', 0, `extension attributes need their schema URN: "${ENTERPRISE}:department"`],
      ['emails[kind eq "work"]', 7, '"emails" has no sub-attribute "kind"; it has value, display, type, primary'],
      ['emails[type eq "work"].value eq "x"', 22, 'only valid as a PATCH path'],
      ['emails[type eq "work" and x eq 1]', 26, '"emails" has no sub-attribute "x"'],
      ['emails[value[type eq "x"]]', 12, 'value filters cannot be nested'],
      ['userName[value eq "x"]', 8, 'not a complex attribute'],
      ['emails[]', 7, 'the [filter] is empty'],
      ['not title pr', 4, '"not" must be followed by "("'],
      ['active gt true', 10, '"gt" cannot be applied to boolean attribute "active"'],
      ['active eq "yes"', 10, '"active" is boolean'],
      ['userName eq 42', 12, '"userName" is a string; put the value in double quotes'],
      ['meta.lastModified gt "last tuesday"', 21, 'is not an xsd:dateTime'],
      ['title gt null', 9, '"gt null" has no meaning'],
      ['name eq "x"', 8, '"name" is complex; compare one of its sub-attributes'],
      ['userName eq 12abc', 12, 'is neither a number nor an attribute name'],
    ])('%s fails at position %i: %s', (filter, position, hint) => {
      const error = failureOf(() => parseFilter(filter, 'User'));

      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain(`at position ${position}:`);
      expect(error.detail).toContain(hint);
    });

    it('names the filter in the detail, truncated when long', () => {
      const long = `userName eq "${'x'.repeat(500)}" bogus`;
      const error = failureOf(() => parseFilter(long, 'User'));

      expect(error.detail).toContain('Filter: userName eq "xxx');
      expect(error.detail.length).toBeLessThan(500);
    });

    it('rejects pathological nesting with 400 rather than a stack overflow', () => {
      const error = failureOf(() => parseFilter(`${'('.repeat(5000)}title pr${')'.repeat(5000)}`, 'User'));

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('nesting is deeper than');
    });

    it('resolves attributes per resource type: userName is unknown on Groups', () => {
      expect(failureOf(() => parseFilter('userName eq "x"', 'Group')).detail).toContain('unknown attribute "userName" for resource type Group');
    });
  });

  it('parses a 1,000-term or-chain into one flat node', () => {
    const ids = Array.from({ length: 1000 }, (_, index) => `id eq "${index}"`).join(' or ');
    const sut = parseFilter(ids, 'User');

    expect(sut.type === 'or' && sut.operands.length).toBe(1000);
  });
});
