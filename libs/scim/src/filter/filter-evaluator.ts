import { leafDefinition } from '../schemas/resolve-attribute';
import { readAttribute } from '../shared/attribute-access';
import { isJsonObject, isPresent, JsonObject } from '../shared/json';
import { asList, valuesAt } from '../shared/resource-values';
import { compareScalars, foldCase, sortableValue } from '../shared/scalar-comparison';
import { ComparisonFilter, FilterNode } from './filter-ast';

/** Where attribute paths are read from: the resource, or one value inside `attr[...]`. */
type Subject = { readonly resource: JsonObject } | { readonly element: JsonObject };

/**
 * Evaluates a parsed filter against a resource in SCIM wire shape, with the schema's case rules.
 * A multi-valued attribute matches when any of its values matches.
 */
export function matchesFilter(filter: FilterNode, resource: JsonObject): boolean {
  return evaluate(filter, { resource });
}

/** Evaluates the inner filter of `attr[...]` against one value of that attribute. */
export function matchesValueFilter(filter: FilterNode, element: unknown): boolean {
  return isJsonObject(element) && evaluate(filter, { element });
}

function evaluate(node: FilterNode, subject: Subject): boolean {
  switch (node.type) {
    case 'and':
      return node.operands.every((operand) => evaluate(operand, subject));
    case 'or':
      return node.operands.some((operand) => evaluate(operand, subject));
    case 'not':
      return !evaluate(node.operand, subject);
    case 'present':
      return valuesOf(node, subject).some(isPresent);
    case 'valuePath':
      return 'resource' in subject && valuesAt(subject.resource, node.attribute).some((element) => matchesValueFilter(node.filter, element));
    case 'comparison':
      return compare(node, valuesOf(node, subject));
    default: {
      const exhaustive: never = node;
      throw new TypeError(`unknown filter node ${JSON.stringify(exhaustive)}`);
    }
  }
}

function valuesOf(node: { attribute: ComparisonFilter['attribute'] }, subject: Subject): unknown[] {
  if ('resource' in subject) return valuesAt(subject.resource, node.attribute);
  const subAttribute = node.attribute.subAttribute;
  return subAttribute ? asList(readAttribute(subject.element, subAttribute.name)) : [];
}

function compare(node: ComparisonFilter, values: unknown[]): boolean {
  const present = values.filter(isPresent);
  if (node.value === null) return node.operator === 'eq' ? present.length === 0 : present.length > 0;
  // An absent attribute is "not equal" to anything, as `not (attr eq v)` would say.
  if (node.operator === 'ne') return present.length === 0 || present.some((value) => !equals(node, value));
  return present.some((value) => matchesOne(node, value));
}

function equals(node: ComparisonFilter, actual: unknown): boolean {
  return matchesOne({ ...node, operator: 'eq' }, actual);
}

function matchesOne(node: ComparisonFilter, actual: unknown): boolean {
  const definition = leafDefinition(node.attribute);
  const { operator } = node;
  if (operator === 'co' || operator === 'sw' || operator === 'ew') {
    if (typeof actual !== 'string' || typeof node.value !== 'string') return false;
    const haystack = foldCase(actual, definition);
    const needle = foldCase(node.value, definition);
    if (operator === 'co') return haystack.includes(needle);
    return operator === 'sw' ? haystack.startsWith(needle) : haystack.endsWith(needle);
  }
  const expected = node.instant ?? node.value;
  const order =
    node.instant !== undefined
      ? numericOrder(sortableValue(actual, definition), node.instant)
      : compareScalars(actual, expected, definition);
  if (order === undefined) return false;
  switch (operator) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

function numericOrder(actual: string | number | undefined, expected: number): number | undefined {
  if (typeof actual !== 'number') return undefined;
  return actual < expected ? -1 : actual > expected ? 1 : 0;
}
