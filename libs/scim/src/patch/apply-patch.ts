import { invalidPath, invalidValue, mutabilityError, noTarget, ScimError } from '../errors/scim-error';
import { FilterNode } from '../filter/filter-ast';
import { matchesValueFilter } from '../filter/filter-evaluator';
import { parsePatchPath, PatchPath } from '../filter/filter-parser';
import { AttributeDefinition, SchemaDefinition } from '../schemas/attribute-definition';
import { canonicalPath, findSubAttribute, resolveAttribute, ResolvedAttribute, resolveSchemaUrn } from '../schemas/resolve-attribute';
import { resourceModel, ResourceTypeName, TopLevelAttribute } from '../schemas/resource-types';
import { readAttribute, removeAttribute, writeAttribute } from '../shared/attribute-access';
import { cloneJson, deepEqual, describeValue, isJsonObject, isPresent, JsonObject, typeName } from '../shared/json';
import { appendDistinct, countPrimaries, memberIdentity } from '../shared/records';
import { asList } from '../shared/resource-values';
import { compareScalars } from '../shared/scalar-comparison';
import { coerceAttributeValue, coerceSingleValue, IgnoredAttribute } from '../validate/coerce-value';
import { checkIdentifierLengths } from '../validate/identifier-length';
import { ResourceSecrets } from '../validate/validate-resource';
import { PatchOperation, PatchOperationName, readPatchOperations } from './patch-request';

export interface PatchResult {
  /** A new object; the input resource is never modified, so a failed PATCH changes nothing. */
  readonly resource: JsonObject;
  /**
   * Canonical paths whose value changed: `active`, `name.givenName`, `emails`, `members`,
   * `urn:...:enterprise:2.0:User:manager.value`, and `password` (its value is only in `secrets`).
   */
  readonly changedPaths: readonly string[];
  readonly secrets: ResourceSecrets;
  /** Attributes in a path-less value that the schema does not define, and readOnly values left as they were. */
  readonly ignoredAttributes: readonly IgnoredAttribute[];
}

/**
 * Applies an RFC 7644 §3.5.2 PATCH request to a resource in SCIM wire shape, tolerating the
 * request shapes Microsoft Entra ID and Okta send (see libs/scim/README.md). All operations
 * apply or none do: any error throws a ScimError 400 naming the operation index.
 */
export function applyPatch(resource: JsonObject, patchRequest: unknown, resourceType: ResourceTypeName): PatchResult {
  const operations = readPatchOperations(patchRequest);
  const session = new PatchSession(cloneJson(resource), resourceType);
  operations.forEach((operation, index) => session.apply(operation, index));
  return session.finish(resource);
}

class PatchSession {
  private readonly secrets: ResourceSecrets = {};
  private readonly ignored: IgnoredAttribute[] = [];
  /**
   * Okta removes members one operation each (`members[value eq "id"]`); consecutive removals are
   * applied in one pass so a request with many of them stays linear in the group size.
   */
  private readonly pendingMemberRemovals = new Set<string>();

  constructor(
    private readonly resource: JsonObject,
    private readonly resourceType: ResourceTypeName,
  ) {
    removeAttribute(resource, 'password');
  }

  apply(operation: PatchOperation, index: number): void {
    try {
      if (operation.path === undefined) {
        this.flushMemberRemovals();
        this.applyWithoutPath(operation);
        return;
      }
      const schema = resolveSchemaUrn(this.resourceType, operation.path);
      if (schema) {
        this.flushMemberRemovals();
        this.applyToSchema(operation, schema);
        return;
      }
      const path = parsePatchPath(operation.path, this.resourceType);
      const removedMemberIds = operation.op === 'remove' ? memberIdsRemovedBy(path) : undefined;
      if (removedMemberIds) {
        for (const id of removedMemberIds) this.pendingMemberRemovals.add(id);
        return;
      }
      this.flushMemberRemovals();
      this.applyAtPath(operation.op, path, operation.value, operation.hasValue);
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      const path = operation.path === undefined ? 'without path' : `"${truncate(operation.path)}"`;
      throw new ScimError(error.status, error.scimType, `Operations[${index}] (${operation.op} ${path}): ${error.detail}`);
    }
  }

  finish(original: JsonObject): PatchResult {
    this.flushMemberRemovals();
    const model = resourceModel(this.resourceType);
    for (const extension of model.extensions) {
      const container = readAttribute(this.resource, extension.id);
      if (container === undefined) continue;
      if (!isPresent(container)) removeAttribute(this.resource, extension.id);
      else this.declareSchema(extension.id);
    }
    checkIdentifierLengths(this.resource, this.resourceType, original);
    const changedPaths = model.attributes.flatMap((entry) => changedPathsOf(entry, original, this.resource));
    if (this.secrets.password !== undefined) changedPaths.push('password');
    return { resource: this.resource, changedPaths, secrets: this.secrets, ignoredAttributes: this.ignored };
  }

  private flushMemberRemovals(): void {
    if (this.pendingMemberRemovals.size === 0) return;
    const members = readAttribute(this.resource, 'members');
    const definition = resolveAttribute(this.resourceType, 'members')!.attribute;
    const remaining = asList(members).filter((record) => !isMemberIn(this.pendingMemberRemovals, definition, record));
    if (remaining.length > 0) writeAttribute(this.resource, 'members', remaining);
    else removeAttribute(this.resource, 'members');
    this.pendingMemberRemovals.clear();
  }

  /** RFC 7644 §3.5.2.1 / §3.5.2.3: the value is a set of attributes, keyed like paths. */
  private applyWithoutPath(operation: PatchOperation): void {
    if (operation.op === 'remove') throw noTarget('remove needs a "path" naming what to remove (RFC 7644 §3.5.2.2)');
    const { value } = operation;
    if (!isJsonObject(value)) throw invalidValue(`without a "path", "value" must be an object of attributes, got ${typeName(value)}`);
    for (const [key, attributeValue] of Object.entries(value)) {
      const schema = resolveSchemaUrn(this.resourceType, key);
      if (!schema) {
        this.applyKey(operation.op, key, attributeValue);
        continue;
      }
      if (attributeValue === null) continue;
      if (!isJsonObject(attributeValue)) throw invalidValue(`"${schema.id}" must be an object of ${schema.name} attributes, got ${typeName(attributeValue)}`);
      for (const [name, nested] of Object.entries(attributeValue)) this.applyKey(operation.op, `${schema.id}:${name}`, nested);
    }
  }

  /** A path that is a schema URN addresses all of that schema's attributes at once. */
  private applyToSchema(operation: PatchOperation, schema: SchemaDefinition): void {
    if (operation.op !== 'remove') {
      this.applyWithoutPath({ ...operation, value: { [schema.id]: operation.value } });
      return;
    }
    if (schema.id === resourceModel(this.resourceType).core.id) {
      throw invalidPath(`"${schema.id}" names the whole resource; remove needs the path of an attribute`);
    }
    removeAttribute(this.resource, schema.id);
  }

  /** Entra sends dotted keys such as "name.givenName" or "urn:...:User:department" here. */
  private applyKey(op: PatchOperationName, key: string, value: unknown): void {
    if (key.includes('[')) {
      this.applyAtPath(op, parsePatchPath(key, this.resourceType), value, true);
      return;
    }
    const target = resolveAttribute(this.resourceType, key);
    if (!target) {
      this.ignored.push({ path: key, reason: 'unknownAttribute' });
      return;
    }
    this.applyAtPath(op, { target }, value, true);
  }

  private applyAtPath(op: PatchOperationName, path: PatchPath, value: unknown, hasValue: boolean): void {
    const { target, valueFilter } = path;
    const { attribute, subAttribute } = target;
    if (attribute.name === 'schemas' && !target.extension) {
      this.ignored.push({ path: 'schemas', reason: 'readOnly' });
      return;
    }
    if (attribute.mutability === 'writeOnly') {
      if (op !== 'remove') this.storeSecret(attribute, value, target.path);
      return;
    }
    if (valueFilter && !attribute.multiValued) {
      throw invalidPath(`"${attribute.name}" is single-valued; a [filter] selects values of a multi-valued attribute`);
    }
    if (attribute.mutability === 'readOnly' || subAttribute?.mutability === 'readOnly') {
      this.checkReadOnlyUnchanged(op, target, valueFilter, value);
      return;
    }
    if (attribute.multiValued) this.applyToMultiValued(op, target, valueFilter, value, hasValue);
    else this.applyToSingleValued(op, target, value);
  }

  private storeSecret(attribute: AttributeDefinition, value: unknown, path: string): void {
    const coerced = coerceAttributeValue(attribute, value, path, this.ignored);
    if (typeof coerced === 'string') this.secrets.password = coerced;
  }

  /** Okta repeats the current `id` inside a path-less replace; only a real change is refused. */
  private checkReadOnlyUnchanged(op: PatchOperationName, target: ResolvedAttribute, valueFilter: FilterNode | undefined, value: unknown): void {
    const container = this.container(target, false);
    const stored = container ? readAttribute(container, target.attribute.name) : undefined;
    const current = target.subAttribute && isJsonObject(stored) ? readAttribute(stored, target.subAttribute.name) : stored;
    if (op !== 'remove' && !valueFilter && deepEqual(current, value)) {
      this.ignored.push({ path: target.path, reason: 'readOnly' });
      return;
    }
    const action = op === 'remove' ? 'removed' : 'changed';
    throw mutabilityError(`${target.path} is readOnly: it is maintained by the service provider and cannot be ${action} by a client`);
  }

  private applyToSingleValued(op: PatchOperationName, target: ResolvedAttribute, value: unknown): void {
    const { attribute, subAttribute } = target;
    const next = op === 'remove' ? null : coerceAttributeValue(subAttribute ?? attribute, value, target.path, this.ignored);
    const container = this.container(target, next !== null);
    if (!container) return;
    const current = readAttribute(container, attribute.name);

    if (!subAttribute) {
      if (next === null) {
        this.checkRemovable(target);
        removeAttribute(container, attribute.name);
        return;
      }
      checkImmutable(attribute, current, next, target.path);
      writeAttribute(container, attribute.name, attribute.type === 'complex' ? mergeComplex(current, next as JsonObject) : next);
      return;
    }

    const complex: JsonObject = isJsonObject(current) ? current : {};
    const currentSub = readAttribute(complex, subAttribute.name);
    checkImmutable(subAttribute, currentSub, next, target.path);
    if (next === null) {
      removeAttribute(complex, subAttribute.name);
    } else {
      // A new manager id makes the stored displayName / $ref describe someone else.
      const replacesReference = subAttribute.name === 'value' && isPresent(currentSub) && !deepEqual(currentSub, next);
      if (replacesReference) for (const key of Object.keys(complex)) delete complex[key];
      writeAttribute(complex, subAttribute.name, next);
    }
    if (isPresent(complex)) writeAttribute(container, attribute.name, complex);
    else removeAttribute(container, attribute.name);
  }

  private applyToMultiValued(
    op: PatchOperationName,
    target: ResolvedAttribute,
    valueFilter: FilterNode | undefined,
    value: unknown,
    hasValue: boolean,
  ): void {
    const { attribute, subAttribute } = target;
    const container = this.container(target, op !== 'remove');
    if (!container) {
      if (valueFilter && !isIdempotentRemoval(op, attribute)) throw noTarget(`${attribute.name} has no values, so nothing matches the filter`);
      return;
    }
    const current = asList(readAttribute(container, attribute.name));
    const hasPrimary = findSubAttribute(attribute, 'primary') !== undefined;
    const write = (records: unknown[], touched: ReadonlySet<unknown> = new Set()) => {
      if (hasPrimary) ensureSinglePrimary(records, touched);
      if (records.length === 0) {
        this.checkRemovable(target);
        removeAttribute(container, attribute.name);
      } else {
        writeAttribute(container, attribute.name, records);
      }
    };

    if (valueFilter) {
      this.applyToSelectedValues(op, target, valueFilter, value, current, write);
      return;
    }
    if (subAttribute) {
      this.applyToEverySubAttribute(op, target, subAttribute, value, current, write);
      return;
    }
    const removesAll = op === 'remove' && (!hasValue || value === null);
    const incoming = removesAll ? null : asList(coerceAttributeValue(attribute, value, target.path, this.ignored));
    switch (op) {
      case 'add':
        if (incoming) write(appendDistinct(attribute, current, incoming), new Set(incoming));
        return;
      case 'replace':
        write(incoming ? appendDistinct(attribute, [], incoming) : [], new Set(incoming));
        return;
      case 'remove':
        write(incoming ? withoutListed(attribute, current, incoming) : []);
        return;
    }
  }

  /** `members[value eq "id"]`, `emails[type eq "work"]`, `emails[type eq "work"].value`. */
  private applyToSelectedValues(
    op: PatchOperationName,
    target: ResolvedAttribute,
    valueFilter: FilterNode,
    value: unknown,
    current: unknown[],
    write: (records: unknown[], touched?: ReadonlySet<unknown>) => void,
  ): void {
    const { attribute, subAttribute } = target;
    const isSelected = selector(attribute, valueFilter);
    const selected = current.filter(isSelected);

    if (op === 'remove') {
      if (selected.length === 0) {
        if (isIdempotentRemoval(op, attribute)) return;
        throw noTarget(`no value of ${attribute.name} matches the filter`);
      }
      if (!subAttribute) {
        write(current.filter((record) => !isSelected(record)));
        return;
      }
      for (const record of selected as JsonObject[]) {
        checkImmutable(subAttribute, readAttribute(record, subAttribute.name), null, target.path);
        removeAttribute(record, subAttribute.name);
      }
      write(current.filter(isPresent));
      return;
    }

    const single = Array.isArray(value) && value.length === 1 && !subAttribute ? value[0] : value;
    const next = subAttribute
      ? coerceAttributeValue(subAttribute, single, target.path, this.ignored)
      : coerceSingleValue(attribute, single, target.path, this.ignored, { partial: true });
    if (next === null) throw invalidValue(`${op} needs a value for ${target.path}; use remove to clear it`);

    if (selected.length === 0) {
      const template = op === 'add' ? templateFrom(valueFilter) : undefined;
      if (!template) throw noTarget(`no value of ${attribute.name} matches the filter, so there is nothing to ${op}`);
      // Entra adds `emails[type eq "work"].value` for a user who has no work email yet.
      const created = subAttribute ? { ...template, [subAttribute.name]: next } : { ...template, ...(next as JsonObject) };
      const record = coerceSingleValue(attribute, created, target.path, this.ignored);
      write([...current, record], new Set([record]));
      return;
    }

    for (const record of selected as JsonObject[]) {
      const updates: JsonObject = subAttribute ? { [subAttribute.name]: next } : (next as JsonObject);
      for (const [name, updated] of Object.entries(updates)) {
        const sub = findSubAttribute(attribute, name)!;
        checkImmutable(sub, readAttribute(record, name), updated, `${attribute.name}.${name}`);
        writeAttribute(record, name, updated);
      }
    }
    write(current, new Set(selected));
  }

  /** `emails.type` without a filter addresses that sub-attribute in every value. */
  private applyToEverySubAttribute(
    op: PatchOperationName,
    target: ResolvedAttribute,
    subAttribute: AttributeDefinition,
    value: unknown,
    current: unknown[],
    write: (records: unknown[], touched?: ReadonlySet<unknown>) => void,
  ): void {
    const records = current.filter(isJsonObject);
    const next = op === 'remove' ? null : coerceAttributeValue(subAttribute, value, target.path, this.ignored);
    if (op !== 'remove' && records.length === 0) throw noTarget(`${target.attribute.name} has no values to set ${subAttribute.name} on`);
    for (const record of records) {
      checkImmutable(subAttribute, readAttribute(record, subAttribute.name), next, target.path);
      if (next === null) removeAttribute(record, subAttribute.name);
      else writeAttribute(record, subAttribute.name, next);
    }
    write(current.filter(isPresent), new Set(records));
  }

  /** RFC 7644 §3.5.2.2: removing a required attribute is a mutability error. */
  private checkRemovable(target: ResolvedAttribute): void {
    if (target.attribute.required && !target.subAttribute) {
      throw mutabilityError(`${target.attribute.name} is required and cannot be removed or emptied`);
    }
  }

  private container(target: ResolvedAttribute, create: boolean): JsonObject | undefined {
    if (!target.extension) return this.resource;
    const existing = readAttribute(this.resource, target.schema);
    if (isJsonObject(existing)) return existing;
    if (!create) return undefined;
    const created: JsonObject = {};
    writeAttribute(this.resource, target.schema, created);
    return created;
  }

  private declareSchema(urn: string): void {
    const schemas = readAttribute(this.resource, 'schemas');
    if (!Array.isArray(schemas)) return;
    const declared = schemas.some((entry) => typeof entry === 'string' && entry.toLowerCase() === urn.toLowerCase());
    if (!declared) writeAttribute(this.resource, 'schemas', [...schemas, urn]);
  }
}

/**
 * Removing a member that is already gone succeeds: Okta and Entra retry removals and treat a 400
 * as a failed deprovisioning, while the desired state (not a member) already holds.
 */
function isIdempotentRemoval(op: PatchOperationName, attribute: AttributeDefinition): boolean {
  return op === 'remove' && attribute.name === 'members';
}

/** Member ids a `remove` of `members[value eq "a" or value eq "b"]` takes out, if it is one. */
function memberIdsRemovedBy(path: PatchPath): Set<string> | undefined {
  const { target, valueFilter } = path;
  if (target.attribute.name !== 'members' || target.extension || target.subAttribute || !valueFilter) return undefined;
  return selectedMemberIds(valueFilter);
}

function selector(attribute: AttributeDefinition, valueFilter: FilterNode): (record: unknown) => boolean {
  const memberIds = attribute.name === 'members' ? selectedMemberIds(valueFilter) : undefined;
  if (memberIds) return (record) => isMemberIn(memberIds, attribute, record);
  return (record) => matchesValueFilter(valueFilter, record);
}

/** `value eq "a" or value eq "b"` as a Set, so removing many members stays linear. */
function selectedMemberIds(filter: FilterNode): Set<string> | undefined {
  const operands = filter.type === 'or' ? filter.operands : [filter];
  const ids = new Set<string>();
  for (const operand of operands) {
    if (operand.type !== 'comparison' || operand.operator !== 'eq' || typeof operand.value !== 'string') return undefined;
    if (operand.attribute.subAttribute?.name !== 'value') return undefined;
    ids.add(operand.value);
  }
  return ids;
}

function isMemberIn(ids: ReadonlySet<string>, attribute: AttributeDefinition, record: unknown): boolean {
  const id = memberIdentity(attribute, record);
  return id !== undefined && ids.has(id);
}

/** The record a filter of equalities describes: `type eq "work"` gives {type: "work"}. */
function templateFrom(filter: FilterNode): JsonObject | undefined {
  if (filter.type === 'comparison') {
    const subAttribute = filter.attribute.subAttribute;
    if (filter.operator !== 'eq' || filter.value === null || !subAttribute) return undefined;
    return { [subAttribute.name]: filter.value };
  }
  if (filter.type !== 'and') return undefined;
  const parts = filter.operands.map(templateFrom);
  return parts.every((part) => part !== undefined) ? Object.assign({}, ...parts) : undefined;
}

/** Entra removes members with `"value": [{"value": "id1"}, ...]` rather than a filter. */
function withoutListed(attribute: AttributeDefinition, current: unknown[], listed: unknown[]): unknown[] {
  const memberIds = new Set(listed.map((record) => memberIdentity(attribute, record)).filter((id): id is string => id !== undefined));
  if (memberIds.size > 0) return current.filter((record) => !isMemberIn(memberIds, attribute, record));
  return current.filter((record) => !listed.some((template) => matchesTemplate(attribute, record, template)));
}

function matchesTemplate(attribute: AttributeDefinition, record: unknown, template: unknown): boolean {
  if (!isJsonObject(record) || !isJsonObject(template)) return deepEqual(record, template);
  return Object.entries(template).every(([name, expected]) => {
    const sub = findSubAttribute(attribute, name);
    const actual = readAttribute(record, name);
    return sub ? compareScalars(actual, expected, sub) === 0 || deepEqual(actual, expected) : deepEqual(actual, expected);
  });
}

/** When a value is added or changed with "primary": true, every other value stops being primary. */
function ensureSinglePrimary(records: unknown[], touched: ReadonlySet<unknown>): void {
  if (countPrimaries(records) <= 1) return;
  const keeper = [...records].reverse().find((record) => touched.has(record) && isJsonObject(record) && readAttribute(record, 'primary') === true);
  if (!keeper) return;
  for (const record of records) {
    if (record !== keeper && isJsonObject(record) && readAttribute(record, 'primary') === true) writeAttribute(record, 'primary', false);
  }
}

/**
 * RFC 7644 §3.5.2.3: replacing a complex attribute leaves unspecified sub-attributes unchanged;
 * but a different `value` names a different resource, whose old display data must go.
 */
function mergeComplex(current: unknown, next: JsonObject): JsonObject {
  if (!isJsonObject(current)) return next;
  const currentValue = readAttribute(current, 'value');
  if (next['value'] !== undefined && currentValue !== undefined && !deepEqual(currentValue, next['value'])) return next;
  const merged: JsonObject = { ...current };
  for (const [name, value] of Object.entries(next)) writeAttribute(merged, name, value);
  return merged;
}

function checkImmutable(definition: AttributeDefinition, current: unknown, next: unknown, path: string): void {
  if (definition.mutability !== 'immutable' || !isPresent(current) || deepEqual(current, next)) return;
  throw mutabilityError(`${path} is immutable: it is ${describeValue(current)} and cannot be changed to ${describeValue(next)}`);
}

function changedPathsOf(entry: TopLevelAttribute, before: JsonObject, after: JsonObject): string[] {
  const { attribute, schema, extension } = entry;
  if (attribute.mutability === 'writeOnly') return [];
  const read = (resource: JsonObject) => {
    const container = extension ? readAttribute(resource, schema) : resource;
    return isJsonObject(container) ? readAttribute(container, attribute.name) : undefined;
  };
  const previous = read(before);
  const next = read(after);
  if (sameState(previous, next)) return [];
  const path = canonicalPath(schema, extension, attribute);
  if (attribute.type !== 'complex' || attribute.multiValued) return [path];
  const subPaths = (attribute.subAttributes ?? [])
    .filter((sub) => !sameState(readSub(previous, sub.name), readSub(next, sub.name)))
    .map((sub) => canonicalPath(schema, extension, attribute, sub));
  return subPaths.length > 0 ? subPaths : [path];
}

function readSub(value: unknown, name: string): unknown {
  return isJsonObject(value) ? readAttribute(value, name) : undefined;
}

/** RFC 7643 §2.5: unassigned, null and [] are the same state. */
function sameState(a: unknown, b: unknown): boolean {
  return (!isPresent(a) && !isPresent(b)) || deepEqual(a, b);
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
