import type { DomainEvent } from '../shared/decider';

/** SCIM attributes of a user as stored: the wire shape without id, meta, schemas, groups and password. */
export type UserAttributes = Record<string, unknown>;

export type UserProvisioned = DomainEvent<'UserProvisioned', {
  userId: string;
  userName: string;
  externalId: string | null;
  active: boolean;
  attributes: UserAttributes;
  at: string;
}>;
export type UserRenamed = DomainEvent<'UserRenamed', { userId: string; from: string; to: string; at: string }>;
export type UserExternalIdChanged = DomainEvent<'UserExternalIdChanged', {
  userId: string;
  from: string | null;
  to: string | null;
  at: string;
}>;
/**
 * Attribute-level changes. Keys are top-level SCIM attributes, or `<extension urn>:<attribute>`
 * for extension attributes, so provenance and mover detection work per attribute.
 */
export type UserAttributesChanged = DomainEvent<'UserAttributesChanged', {
  userId: string;
  changed: Record<string, unknown>;
  removed: string[];
  at: string;
}>;
export type UserDeactivated = DomainEvent<'UserDeactivated', { userId: string; at: string }>;
export type UserReactivated = DomainEvent<'UserReactivated', { userId: string; at: string }>;
export type UserDeleted = DomainEvent<'UserDeleted', {
  userId: string;
  userName: string;
  externalId: string | null;
  at: string;
}>;
/** An IdP tried to create a user that exists (possibly disabled): refused, and kept on record. */
export type UserRecreateRefused = DomainEvent<'UserRecreateRefused', {
  userId: string;
  attribute: 'userName' | 'externalId';
  value: string;
  existingActive: boolean;
  at: string;
}>;

export type UserEvent =
  | UserProvisioned
  | UserRenamed
  | UserExternalIdChanged
  | UserAttributesChanged
  | UserDeactivated
  | UserReactivated
  | UserDeleted
  | UserRecreateRefused;

export const USER_EVENT_TYPES: ReadonlyArray<UserEvent['type']> = [
  'UserProvisioned', 'UserRenamed', 'UserExternalIdChanged', 'UserAttributesChanged',
  'UserDeactivated', 'UserReactivated', 'UserDeleted', 'UserRecreateRefused',
];
