import type { DomainEvent } from '../shared/decider';

export interface Member {
  value: string;
  type?: 'User' | 'Group';
  display?: string;
}

export type GroupCreated = DomainEvent<'GroupCreated', {
  groupId: string;
  displayName: string;
  externalId: string | null;
  members: Member[];
  at: string;
}>;
export type GroupRenamed = DomainEvent<'GroupRenamed', { groupId: string; from: string; to: string; at: string }>;
export type GroupExternalIdChanged = DomainEvent<'GroupExternalIdChanged', {
  groupId: string;
  from: string | null;
  to: string | null;
  at: string;
}>;
export type GroupMembersAdded = DomainEvent<'GroupMembersAdded', { groupId: string; members: Member[]; at: string }>;
export type GroupMembersRemoved = DomainEvent<'GroupMembersRemoved', { groupId: string; members: string[]; at: string }>;
export type GroupDeleted = DomainEvent<'GroupDeleted', { groupId: string; displayName: string; members: string[]; at: string }>;

export type GroupEvent =
  | GroupCreated
  | GroupRenamed
  | GroupExternalIdChanged
  | GroupMembersAdded
  | GroupMembersRemoved
  | GroupDeleted;

export const GROUP_EVENT_TYPES: ReadonlyArray<GroupEvent['type']> = [
  'GroupCreated', 'GroupRenamed', 'GroupExternalIdChanged', 'GroupMembersAdded', 'GroupMembersRemoved', 'GroupDeleted',
];
