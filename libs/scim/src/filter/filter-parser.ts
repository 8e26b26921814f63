import { ScimError } from '../errors/scim-error';
import { resourceModel, ResourceTypeName } from '../schemas/resource-types';
import {
  findSubAttribute,
  leafDefinition,
  ResolvedAttribute,
  resolveAttribute,
  withSubAttribute,
} from '../schemas/resolve-attribute';
import { parseDateTime } from '../shared/date-time';
import { booleanFromString } from '../shared/scalar-comparison';
import { COMPARISON_OPERATORS, ComparisonFilter, ComparisonOperator, ComparisonValue, FilterNode } from './filter-ast';
import { Token, tokenize } from './filter-lexer';

const MAX_NESTING = 64;
const MAX_ECHOED_LENGTH = 200;

/** A PATCH `path` (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`. */
export interface PatchPath {
  /** The attribute written; carries the sub-attribute for `attr.sub` and `attr[filter].sub`. */
  readonly target: ResolvedAttribute;
  /** Selects values of a multi-valued attribute, e.g. `members[value eq "id"]`. */
  readonly valueFilter?: FilterNode;
}

/**
 * Parses an RFC 7644 §3.4.2.2 filter and resolves every attribute against the resource type.
 * Syntax errors and unknown attributes throw ScimError 400 invalidFilter naming the position.
 */
export function parseFilter(text: string, resourceType: ResourceTypeName): FilterNode {
  const parser = new Parser(text, resourceType, 'filter');
  return parser.parseFilter();
}

/** Parses a PATCH operation path; errors throw ScimError 400 invalidPath naming the position. */
export function parsePatchPath(text: string, resourceType: ResourceTypeName): PatchPath {
  const parser = new Parser(text, resourceType, 'path');
  return parser.parsePatchPath();
}

type Dialect = 'filter' | 'path';

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly resourceType: ResourceTypeName,
    private readonly dialect: Dialect,
  ) {
    if (typeof text !== 'string') this.fail(`expected a string but got ${typeof text}`, 0);
    this.tokens = tokenize(text, (message, position) => this.fail(message, position));
  }

  parseFilter(): FilterNode {
    if (this.peek().kind === 'end') this.fail('the filter is empty', 0);
    const node = this.parseOr(undefined);
    const rest = this.peek();
    if (rest.kind !== 'end') {
      const unmatched = rest.kind === ')' ? ' (unmatched ")")' : '';
      this.fail(`expected "and", "or" or end of filter but found ${describe(rest)}${unmatched}`, rest.position);
    }
    return node;
  }

  parsePatchPath(): PatchPath {
    const first = this.next();
    if (first.kind !== 'word') this.fail(`expected an attribute name but found ${describe(first)}`, first.position);
    const resolved = this.resolve(first, undefined);
    let target = resolved;
    let valueFilter: FilterNode | undefined;
    if (this.peek().kind === '[') {
      valueFilter = this.parseValueFilter(resolved);
      const sub = this.peek();
      if (sub.kind === 'word' && sub.text.startsWith('.')) {
        this.next();
        const name = sub.text.slice(1);
        const subAttribute = name.includes('.') ? undefined : findSubAttribute(resolved.attribute, name);
        if (!subAttribute) {
          this.fail(`"${resolved.path}" has no sub-attribute "${name}"; it has ${subAttributeNames(resolved)}`, sub.position + 1);
        }
        target = withSubAttribute(resolved, subAttribute);
      }
    }
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(`unexpected ${describe(rest)} after the attribute path`, rest.position);
    return valueFilter ? { target, valueFilter } : { target };
  }

  private parseOr(scope: ResolvedAttribute | undefined): FilterNode {
    const operands = [this.parseAnd(scope)];
    while (isKeyword(this.peek(), 'or')) {
      this.next();
      operands.push(this.parseAnd(scope));
    }
    return operands.length === 1 ? operands[0]! : { type: 'or', operands };
  }

  private parseAnd(scope: ResolvedAttribute | undefined): FilterNode {
    const operands = [this.parseUnary(scope)];
    while (isKeyword(this.peek(), 'and')) {
      this.next();
      operands.push(this.parseUnary(scope));
    }
    return operands.length === 1 ? operands[0]! : { type: 'and', operands };
  }

  private parseUnary(scope: ResolvedAttribute | undefined): FilterNode {
    const token = this.peek();
    if (token.kind === '(') {
      this.next();
      return this.nested(token, () => this.parseGroup(token, scope));
    }
    if (isKeyword(token, 'not')) {
      this.next();
      const open = this.next();
      if (open.kind !== '(') this.fail(`"not" must be followed by "(", e.g. not (title pr); found ${describe(open)}`, open.position);
      return this.nested(open, () => ({ type: 'not', operand: this.parseGroup(open, scope) }));
    }
    if (token.kind === 'word') return this.parseAttributeExpression(scope);
    return this.fail(`expected an attribute name, "(" or "not" but found ${describe(token)}`, token.position);
  }

  private parseGroup(open: Token, scope: ResolvedAttribute | undefined): FilterNode {
    const node = this.parseOr(scope);
    this.expectClosing(')', open, '"and", "or" or ")"');
    return node;
  }

  private parseAttributeExpression(scope: ResolvedAttribute | undefined): FilterNode {
    const name = this.next();
    const attribute = this.resolve(name, scope);
    if (this.peek().kind === '[') {
      if (scope) this.fail(`value filters cannot be nested inside "${scope.path}[...]"`, this.peek().position);
      const filter = this.parseValueFilter(attribute);
      const after = this.peek();
      if (after.kind === 'word' && after.text.startsWith('.')) {
        const sub = after.text.slice(1);
        this.fail(
          `"${attribute.path}[...]${after.text}" is only valid as a PATCH path; in a filter put the condition inside the brackets, e.g. ${attribute.path}[... and ${sub} eq "..."]`,
          after.position,
        );
      }
      return { type: 'valuePath', attribute, filter };
    }

    const operatorToken = this.next();
    const operator = operatorToken.kind === 'word' ? operatorToken.text.toLowerCase() : '';
    if (operator === 'pr') return { type: 'present', attribute };
    if (!isComparisonOperator(operator)) {
      this.fail(
        `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after "${name.text}" but found ${describe(operatorToken)}`,
        operatorToken.position,
      );
    }
    const valueToken = this.next();
    return this.comparison(attribute, operator, this.literal(valueToken, operator), valueToken);
  }

  private parseValueFilter(attribute: ResolvedAttribute): FilterNode {
    const open = this.next();
    if (attribute.subAttribute || attribute.attribute.type !== 'complex') {
      this.fail(`"${attribute.path}" is not a complex attribute, so it cannot take a [filter]`, open.position);
    }
    return this.nested(open, () => {
      if (this.peek().kind === ']') this.fail('the [filter] is empty', this.peek().position);
      const filter = this.parseOr(attribute);
      this.expectClosing(']', open, '"and", "or" or "]"');
      return filter;
    });
  }

  private resolve(token: Token, scope: ResolvedAttribute | undefined): ResolvedAttribute {
    if (scope) {
      const prefix = `${scope.path.toLowerCase()}.`;
      const name = token.text.toLowerCase().startsWith(prefix) ? token.text.slice(prefix.length) : token.text;
      const subAttribute = findSubAttribute(scope.attribute, name);
      if (!subAttribute) {
        this.fail(`"${scope.path}" has no sub-attribute "${token.text}"; it has ${subAttributeNames(scope)}`, token.position);
      }
      return withSubAttribute(scope, subAttribute);
    }
    const resolved = resolveAttribute(this.resourceType, token.text);
    if (!resolved) this.fail(`unknown attribute "${token.text}" for resource type ${this.resourceType}${this.suggestion(token.text)}`, token.position);
    return resolved;
  }

  /** Extension attributes must be URN-qualified; say so when someone writes a bare `department`. */
  private suggestion(name: string): string {
    const model = resourceModel(this.resourceType);
    for (const extension of model.extensions) {
      const qualified = resolveAttribute(this.resourceType, `${extension.id}:${name}`);
      if (qualified) return `; extension attributes need their schema URN: "${qualified.path}"`;
    }
    return '';
  }

  private literal(token: Token, operator: string): ComparisonValue {
    if (token.kind === 'string' || token.kind === 'number') return token.value!;
    if (token.kind === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
      this.fail(`expected a value after "${operator}" but found ${describe(token)}; string values must be in double quotes`, token.position);
    }
    return this.fail(`expected a value after "${operator}" (a "quoted string", number, true, false or null) but found ${describe(token)}`, token.position);
  }

  private comparison(resolved: ResolvedAttribute, operator: ComparisonOperator, value: ComparisonValue, valueToken: Token): ComparisonFilter {
    let attribute = resolved;
    let definition = leafDefinition(attribute);
    if (definition.type === 'complex') {
      // Lenient like most providers: `members eq "id"` compares the `value` sub-attribute.
      const implicit = findSubAttribute(definition, 'value');
      if (!implicit) this.fail(`"${attribute.path}" is complex; compare one of its sub-attributes: ${subAttributeNames(attribute)}`, valueToken.position);
      attribute = withSubAttribute(attribute, implicit);
      definition = implicit;
    }
    const path = attribute.path;
    const at = valueToken.position;
    const ordering = operator === 'gt' || operator === 'ge' || operator === 'lt' || operator === 'le';
    const substring = operator === 'co' || operator === 'sw' || operator === 'ew';

    if (value === null) {
      if (operator !== 'eq' && operator !== 'ne') this.fail(`"${operator} null" has no meaning; use "${path} pr" or "not (${path} pr)"`, at);
      return { type: 'comparison', operator, attribute, value };
    }
    switch (definition.type) {
      case 'boolean': {
        if (operator !== 'eq' && operator !== 'ne') this.fail(`"${operator}" cannot be applied to boolean attribute "${path}"; use eq or ne`, at);
        const coerced = typeof value === 'string' ? booleanFromString(value) : value;
        if (typeof coerced !== 'boolean') this.fail(`"${path}" is boolean; compare it with true or false, not ${valueToken.text}`, at);
        return { type: 'comparison', operator, attribute, value: coerced };
      }
      case 'integer':
      case 'decimal':
        if (substring) this.fail(`"${operator}" cannot be applied to numeric attribute "${path}"`, at);
        if (typeof value !== 'number') this.fail(`"${path}" is a number; compare it with an unquoted number, not ${valueToken.text}`, at);
        return { type: 'comparison', operator, attribute, value };
      case 'dateTime': {
        if (typeof value !== 'string') this.fail(`"${path}" is a dateTime; compare it with a quoted timestamp such as "2011-05-13T04:42:34Z"`, at);
        if (substring) return { type: 'comparison', operator, attribute, value };
        const instant = parseDateTime(value);
        if (instant === undefined) this.fail(`${valueToken.text} is not an xsd:dateTime such as "2011-05-13T04:42:34Z"`, at);
        return { type: 'comparison', operator, attribute, value, instant };
      }
      case 'binary':
        if (ordering) this.fail(`"${operator}" cannot be applied to binary attribute "${path}"`, at);
        break;
      default:
        break;
    }
    if (typeof value !== 'string') this.fail(`"${path}" is a string; put the value in double quotes, e.g. ${path} ${operator} "${valueToken.text}"`, at);
    return { type: 'comparison', operator, attribute, value };
  }

  private nested<T>(open: Token, parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(`nesting is deeper than ${MAX_NESTING} levels`, open.position);
    const result = parse();
    this.depth--;
    return result;
  }

  private expectClosing(kind: ')' | ']', open: Token, expected: string): void {
    const token = this.next();
    if (token.kind === kind) return;
    if (token.kind === 'end') this.fail(`missing "${kind}" to close "${open.text}" opened at position ${open.position}`, token.position);
    this.fail(`expected ${expected} but found ${describe(token)}`, token.position);
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private fail(message: string, position: number): never {
    const isFilter = this.dialect === 'filter';
    const source = typeof this.text === 'string' ? this.text : '';
    const echoed = source.length > MAX_ECHOED_LENGTH ? `${source.slice(0, MAX_ECHOED_LENGTH)}...` : source;
    throw new ScimError(
      400,
      isFilter ? 'invalidFilter' : 'invalidPath',
      `Invalid ${isFilter ? 'filter' : 'PATCH path'} at position ${position}: ${message}. ${isFilter ? 'Filter' : 'Path'}: ${echoed}`,
    );
  }
}

function isKeyword(token: Token, keyword: string): boolean {
  return token.kind === 'word' && token.text.toLowerCase() === keyword;
}

function isComparisonOperator(word: string): word is ComparisonOperator {
  return (COMPARISON_OPERATORS as readonly string[]).includes(word);
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the input';
  const text = token.text.length > 40 ? `${token.text.slice(0, 37)}...` : token.text;
  return token.kind === 'string' ? text : `"${text}"`;
}

function subAttributeNames(resolved: ResolvedAttribute): string {
  return (resolved.attribute.subAttributes ?? []).map((sub) => sub.name).join(', ');
}
