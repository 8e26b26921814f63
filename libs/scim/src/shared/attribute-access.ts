import { JsonObject } from './json';

/** SCIM attribute names are case-insensitive (RFC 7643 §2.1), so JSON keys are matched that way. */
export function findKey(container: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(container, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(container).find((key) => key.toLowerCase() === lower);
}

export function readAttribute(container: JsonObject, name: string): unknown {
  const key = findKey(container, name);
  return key === undefined ? undefined : container[key];
}

/** Writes under the canonical name, in place when it exists, and drops differently-cased duplicates. */
export function writeAttribute(container: JsonObject, name: string, value: unknown): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(container)) {
    if (key !== name && key.toLowerCase() === lower) delete container[key];
  }
  container[name] = value;
}

export function removeAttribute(container: JsonObject, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(container)) {
    if (key.toLowerCase() === lower) delete container[key];
  }
}
