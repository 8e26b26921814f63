import type { Member } from './group.events';

export interface CreateGroup {
  type: 'CreateGroup';
  groupId: string;
  displayName: string;
  externalId: string | null;
  members: Member[];
  at: string;
}

/** PUT: the full desired state; membership becomes whatever `members` lists. */
export interface ReplaceGroup {
  type: 'ReplaceGroup';
  groupId: string;
  displayName: string;
  externalId: string | null;
  members: Member[];
  at: string;
}

/** PATCH on members: deltas only, so a 10,000-member change never rebuilds the whole list. */
export interface ChangeGroupMembers {
  type: 'ChangeGroupMembers';
  groupId: string;
  add: Member[];
  remove: string[];
  at: string;
}

export interface DeleteGroup {
  type: 'DeleteGroup';
  groupId: string;
  at: string;
}

export type GroupCommand = CreateGroup | ReplaceGroup | ChangeGroupMembers | DeleteGroup;
