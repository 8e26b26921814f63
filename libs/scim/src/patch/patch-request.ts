import { invalidPath, invalidSyntax } from '../errors/scim-error';
import { findKey, readAttribute } from '../shared/attribute-access';
import { describeValue, isJsonObject } from '../shared/json';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type PatchOperationName = 'add' | 'remove' | 'replace';

/** One operation after the envelope is checked; `op` is lower-cased (Entra sends "Replace"). */
export interface PatchOperation {
  readonly op: PatchOperationName;
  readonly path?: string;
  readonly hasValue: boolean;
  readonly value?: unknown;
}

/** RFC 7644 §3.5.2 request body as sent on the wire. */
export interface PatchRequest {
  schemas: string[];
  Operations: { op: string; path?: string; value?: unknown }[];
}

const OPERATION_NAMES: readonly string[] = ['add', 'remove', 'replace'];

/** Checks the PatchOp envelope; member names are matched case-insensitively like attributes. */
export function readPatchOperations(body: unknown): PatchOperation[] {
  if (!isJsonObject(body)) throw invalidSyntax('The PATCH body must be a JSON object with "schemas" and "Operations"');
  const schemas = readAttribute(body, 'schemas');
  const declaresPatchOp = Array.isArray(schemas) && schemas.some((urn) => typeof urn === 'string' && urn.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase());
  if (!declaresPatchOp) throw invalidSyntax(`The PATCH body "schemas" must be ["${PATCH_OP_SCHEMA}"], got ${describeValue(schemas)}`);
  const operations = readAttribute(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax(`The PATCH body must have "Operations": a non-empty array of operations, got ${describeValue(operations)}`);
  }
  return operations.map((operation, index) => readOperation(operation, index));
}

function readOperation(operation: unknown, index: number): PatchOperation {
  const label = `Operations[${index}]`;
  if (!isJsonObject(operation)) throw invalidSyntax(`${label} must be an object with "op", "path" and "value", got ${describeValue(operation)}`);
  const name = readAttribute(operation, 'op');
  const op = typeof name === 'string' ? name.toLowerCase() : undefined;
  if (op === undefined || !OPERATION_NAMES.includes(op)) {
    throw invalidSyntax(`${label}.op must be "add", "remove" or "replace", got ${describeValue(name)}`);
  }
  const rawPath = readAttribute(operation, 'path');
  if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
    throw invalidPath(`${label}.path must be a string, got ${describeValue(rawPath)}`);
  }
  const path = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath.trim() : undefined;
  const valueKey = findKey(operation, 'value');
  const hasValue = valueKey !== undefined;
  if (op !== 'remove' && !hasValue) throw invalidSyntax(`${label} (${op}) must have a "value"`);
  return {
    op: op as PatchOperationName,
    ...(path !== undefined ? { path } : {}),
    hasValue,
    ...(hasValue ? { value: operation[valueKey] } : {}),
  };
}
