import { AttributeDefinition } from '../schemas/attribute-definition';
import { parseDateTime } from './date-time';

/** Case folding per RFC 7643 §2.3.1: caseExact=false strings compare case-insensitively. */
export function foldCase(text: string, definition: AttributeDefinition): string {
  return definition.caseExact ? text : text.toLowerCase();
}

export function booleanFromString(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/**
 * Orders two stored values of one attribute by its type: instants for dateTime, numbers,
 * false < true, and code-point order (no locale) for strings. Undefined when not comparable.
 */
export function compareScalars(a: unknown, b: unknown, definition: AttributeDefinition): number | undefined {
  const left = sortableValue(a, definition);
  const right = sortableValue(b, definition);
  if (left === undefined || right === undefined || typeof left !== typeof right) return undefined;
  return left < right ? -1 : left > right ? 1 : 0;
}

export function sortableValue(value: unknown, definition: AttributeDefinition): string | number | undefined {
  switch (definition.type) {
    case 'dateTime':
      return typeof value === 'string' ? parseDateTime(value) : undefined;
    case 'integer':
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'boolean': {
      const flag = typeof value === 'string' ? booleanFromString(value) : value;
      return typeof flag === 'boolean' ? Number(flag) : undefined;
    }
    case 'complex':
      return undefined;
    default:
      return typeof value === 'string' ? foldCase(value, definition) : undefined;
  }
}
