import { InvalidCommand, ResourceAlreadyExists, ResourceNotFound } from '../shared/domain-error';
import { sameValue, type Decider } from '../shared/decider';
import type { UserCommand } from './user.commands';
import type { UserAttributes, UserEvent } from './user.events';

export type User =
  | { status: 'absent' }
  | {
      status: 'present' | 'deleted';
      userId: string;
      userName: string;
      externalId: string | null;
      active: boolean;
      /** Everything but userName, externalId and active, which live in their own fields. */
      attributes: UserAttributes;
      createdAt: string;
      updatedAt: string;
      /** Count of state-changing events: the ETag version. */
      version: number;
    };

export const initialUser: User = { status: 'absent' };

/** Attributes held in their own fields, never inside `attributes`. */
const IDENTITY_KEYS = new Set(['userName', 'externalId', 'active']);

export function decideUser(command: UserCommand, state: User): UserEvent[] {
  switch (command.type) {
    case 'ProvisionUser': {
      if (state.status !== 'absent') throw new ResourceAlreadyExists('User', command.userId);
      const { userName, externalId, active, attributes } = splitIdentity(command.attributes);
      return [{
        type: 'UserProvisioned',
        data: { userId: command.userId, userName, externalId, active: active ?? true, attributes, at: command.at },
      }];
    }
    case 'ReplaceUser': {
      const user = requirePresent(state, command.userId);
      const next = splitIdentity(command.attributes);
      const events: UserEvent[] = [];
      if (next.userName !== user.userName) {
        events.push({ type: 'UserRenamed', data: { userId: user.userId, from: user.userName, to: next.userName, at: command.at } });
      }
      if (next.externalId !== user.externalId) {
        events.push({
          type: 'UserExternalIdChanged',
          data: { userId: user.userId, from: user.externalId, to: next.externalId, at: command.at },
        });
      }
      const diff = diffAttributes(user.attributes, next.attributes);
      if (Object.keys(diff.changed).length > 0 || diff.removed.length > 0) {
        events.push({ type: 'UserAttributesChanged', data: { userId: user.userId, ...diff, at: command.at } });
      }
      // Unassigned active (absent, null, removed by PATCH) keeps the account as it is: only an
      // explicit true re-enables a leaver, never a partial PUT.
      const active = next.active ?? user.active;
      if (user.active && !active) events.push({ type: 'UserDeactivated', data: { userId: user.userId, at: command.at } });
      if (!user.active && active) events.push({ type: 'UserReactivated', data: { userId: user.userId, at: command.at } });
      return events;
    }
    case 'DeactivateUser': {
      const user = requirePresent(state, command.userId);
      if (!user.active) return [];
      return [{ type: 'UserDeactivated', data: { userId: user.userId, at: command.at } }];
    }
    case 'DeleteUser': {
      const user = requirePresent(state, command.userId);
      return [{
        type: 'UserDeleted',
        data: { userId: user.userId, userName: user.userName, externalId: user.externalId, at: command.at },
      }];
    }
    case 'RecordRefusedRecreate': {
      const user = requirePresent(state, command.userId);
      return [{
        type: 'UserRecreateRefused',
        data: { userId: user.userId, attribute: command.attribute, value: command.value, existingActive: user.active, at: command.at },
      }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown user command ${JSON.stringify(exhaustive)}`);
    }
  }
}

export function evolveUser(state: User, event: UserEvent): User {
  switch (event.type) {
    case 'UserProvisioned':
      return {
        status: 'present',
        userId: event.data.userId,
        userName: event.data.userName,
        externalId: event.data.externalId,
        active: event.data.active,
        attributes: event.data.attributes,
        createdAt: event.data.at,
        updatedAt: event.data.at,
        version: 1,
      };
    case 'UserRenamed':
      return state.status === 'absent' ? state : touch({ ...state, userName: event.data.to }, event.data.at);
    case 'UserExternalIdChanged':
      return state.status === 'absent' ? state : touch({ ...state, externalId: event.data.to }, event.data.at);
    case 'UserAttributesChanged':
      return state.status === 'absent'
        ? state
        : touch({ ...state, attributes: applyAttributeChanges(state.attributes, event.data.changed, event.data.removed) }, event.data.at);
    case 'UserDeactivated':
      return state.status === 'absent' ? state : touch({ ...state, active: false }, event.data.at);
    case 'UserReactivated':
      return state.status === 'absent' ? state : touch({ ...state, active: true }, event.data.at);
    case 'UserDeleted':
      return state.status === 'absent' ? state : { ...state, status: 'deleted', updatedAt: event.data.at };
    case 'UserRecreateRefused':
      return state;
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown user event ${JSON.stringify(exhaustive)}`);
    }
  }
}

export const userDecider: Decider<UserCommand, User, UserEvent> = {
  decide: decideUser,
  evolve: evolveUser,
  initialState: initialUser,
};

function touch<T extends { updatedAt: string; version: number }>(state: T, at: string): T {
  return { ...state, updatedAt: at, version: state.version + 1 };
}

function requirePresent(state: User, userId: string): Exclude<User, { status: 'absent' }> {
  if (state.status === 'absent') throw new ResourceNotFound('User', userId);
  if (state.status === 'deleted') throw new ResourceNotFound('User', userId, true);
  return state;
}

function splitIdentity(input: UserAttributes): { userName: string; externalId: string | null; active: boolean | undefined; attributes: UserAttributes } {
  const userName = input['userName'];
  if (typeof userName !== 'string' || userName.trim() === '') throw new InvalidCommand('userName is required');
  const externalId = input['externalId'];
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') {
    throw new InvalidCommand('externalId must be a string');
  }
  const active = input['active'];
  if (active !== undefined && typeof active !== 'boolean') throw new InvalidCommand('active must be a boolean');
  const attributes: UserAttributes = {};
  for (const [key, value] of Object.entries(input)) if (!IDENTITY_KEYS.has(key)) attributes[key] = value;
  return { userName, externalId: externalId ?? null, active, attributes };
}

const EXTENSION_PREFIX = 'urn:';

/** Top-level attributes, with each extension schema split into its own attributes. */
export function flattenAttributes(attributes: UserAttributes): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith(EXTENSION_PREFIX) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) flat.set(`${key}:${sub}`, subValue);
    } else {
      flat.set(key, value);
    }
  }
  return flat;
}

function diffAttributes(before: UserAttributes, after: UserAttributes): { changed: Record<string, unknown>; removed: string[] } {
  const old = flattenAttributes(before);
  const next = flattenAttributes(after);
  const changed: Record<string, unknown> = {};
  const removed: string[] = [];
  for (const [key, value] of next) {
    if (value === undefined || value === null) continue;
    if (!old.has(key) || !sameValue(old.get(key), value)) changed[key] = value;
  }
  for (const [key, value] of old) {
    if (value === undefined || value === null) continue;
    const nextValue = next.get(key);
    if (nextValue === undefined || nextValue === null) removed.push(key);
  }
  return { changed, removed };
}

export function applyAttributeChanges(attributes: UserAttributes, changed: Record<string, unknown>, removed: string[]): UserAttributes {
  const flat = flattenAttributes(attributes);
  for (const key of removed) flat.delete(key);
  for (const [key, value] of Object.entries(changed)) flat.set(key, value);
  const result: UserAttributes = {};
  for (const [key, value] of flat) {
    const split = splitExtensionKey(key);
    if (split) {
      const extension = (result[split.urn] ??= {}) as Record<string, unknown>;
      extension[split.attribute] = value;
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** `urn:...:enterprise:2.0:User:department` -> urn + attribute; the urn itself ends in a schema name. */
function splitExtensionKey(key: string): { urn: string; attribute: string } | null {
  if (!key.startsWith(EXTENSION_PREFIX)) return null;
  const last = key.lastIndexOf(':');
  // An extension attribute key has the schema urn (which itself has colons) before the last
  // colon: at least three of them. Counted, not split: this runs for every key of every PATCH.
  let colons = 0;
  for (let at = key.indexOf(':'); at >= 0 && at < last && colons < 3; at = key.indexOf(':', at + 1)) colons++;
  if (colons < 3) return null;
  return { urn: key.slice(0, last), attribute: key.slice(last + 1) };
}
