import { InvalidCommand, ResourceAlreadyExists, ResourceNotFound } from '../shared/domain-error';
import type { Decider } from '../shared/decider';
import type { GroupCommand } from './group.commands';
import type { GroupEvent, Member } from './group.events';

export type Group =
  | { status: 'absent' }
  | {
      status: 'present' | 'deleted';
      groupId: string;
      displayName: string;
      externalId: string | null;
      /** Keyed by member value (the member's id), in insertion order. */
      members: Map<string, Member>;
      createdAt: string;
      updatedAt: string;
      version: number;
    };

export const initialGroup: Group = { status: 'absent' };

export function decideGroup(command: GroupCommand, state: Group): GroupEvent[] {
  switch (command.type) {
    case 'CreateGroup': {
      if (state.status !== 'absent') throw new ResourceAlreadyExists('Group', command.groupId);
      requireDisplayName(command.displayName);
      return [{
        type: 'GroupCreated',
        data: {
          groupId: command.groupId,
          displayName: command.displayName,
          externalId: command.externalId,
          members: dedupe(command.members),
          at: command.at,
        },
      }];
    }
    case 'ReplaceGroup': {
      const group = requirePresent(state, command.groupId);
      requireDisplayName(command.displayName);
      const events: GroupEvent[] = [];
      if (command.displayName !== group.displayName) {
        events.push({ type: 'GroupRenamed', data: { groupId: group.groupId, from: group.displayName, to: command.displayName, at: command.at } });
      }
      if (command.externalId !== group.externalId) {
        events.push({
          type: 'GroupExternalIdChanged',
          data: { groupId: group.groupId, from: group.externalId, to: command.externalId, at: command.at },
        });
      }
      const wanted = new Map(dedupe(command.members).map((m) => [m.value, m]));
      const removed = [...group.members.keys()].filter((value) => !wanted.has(value));
      const added = [...wanted.values()].filter((m) => !group.members.has(m.value));
      events.push(...membershipEvents(group.groupId, added, removed, command.at));
      return events;
    }
    case 'ChangeGroupMembers': {
      const group = requirePresent(state, command.groupId);
      const removing = new Set(command.remove.filter((value) => group.members.has(value)));
      const added = dedupe(command.add).filter((m) => !group.members.has(m.value) || removing.has(m.value));
      // A member both removed and re-added in one request ends up a member: net effect only.
      for (const member of added) removing.delete(member.value);
      const reallyAdded = added.filter((m) => !group.members.has(m.value));
      return membershipEvents(group.groupId, reallyAdded, [...removing], command.at);
    }
    case 'DeleteGroup': {
      const group = requirePresent(state, command.groupId);
      return [{
        type: 'GroupDeleted',
        data: { groupId: group.groupId, displayName: group.displayName, members: [...group.members.keys()], at: command.at },
      }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown group command ${JSON.stringify(exhaustive)}`);
    }
  }
}

export function evolveGroup(state: Group, event: GroupEvent): Group {
  switch (event.type) {
    case 'GroupCreated':
      return {
        status: 'present',
        groupId: event.data.groupId,
        displayName: event.data.displayName,
        externalId: event.data.externalId,
        members: new Map(event.data.members.map((m) => [m.value, m])),
        createdAt: event.data.at,
        updatedAt: event.data.at,
        version: 1,
      };
    case 'GroupRenamed':
      return state.status === 'absent' ? state : touch({ ...state, displayName: event.data.to }, event.data.at);
    case 'GroupExternalIdChanged':
      return state.status === 'absent' ? state : touch({ ...state, externalId: event.data.to }, event.data.at);
    case 'GroupMembersAdded': {
      if (state.status === 'absent') return state;
      const members = new Map(state.members);
      for (const member of event.data.members) members.set(member.value, member);
      return touch({ ...state, members }, event.data.at);
    }
    case 'GroupMembersRemoved': {
      if (state.status === 'absent') return state;
      const members = new Map(state.members);
      for (const value of event.data.members) members.delete(value);
      return touch({ ...state, members }, event.data.at);
    }
    case 'GroupDeleted':
      return state.status === 'absent' ? state : { ...state, status: 'deleted', members: new Map(), updatedAt: event.data.at };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown group event ${JSON.stringify(exhaustive)}`);
    }
  }
}

export const groupDecider: Decider<GroupCommand, Group, GroupEvent> = {
  decide: decideGroup,
  evolve: evolveGroup,
  initialState: initialGroup,
};

function membershipEvents(groupId: string, added: Member[], removed: string[], at: string): GroupEvent[] {
  const events: GroupEvent[] = [];
  if (removed.length > 0) events.push({ type: 'GroupMembersRemoved', data: { groupId, members: removed, at } });
  if (added.length > 0) events.push({ type: 'GroupMembersAdded', data: { groupId, members: added, at } });
  return events;
}

function dedupe(members: Member[]): Member[] {
  const byValue = new Map<string, Member>();
  for (const member of members) {
    if (typeof member?.value !== 'string' || member.value === '') throw new InvalidCommand('every member needs a value (the member id)');
    if (!byValue.has(member.value)) byValue.set(member.value, member);
  }
  return [...byValue.values()];
}

function requireDisplayName(displayName: string): void {
  if (typeof displayName !== 'string' || displayName.trim() === '') throw new InvalidCommand('displayName is required');
}

function requirePresent(state: Group, groupId: string): Exclude<Group, { status: 'absent' }> {
  if (state.status === 'absent') throw new ResourceNotFound('Group', groupId);
  if (state.status === 'deleted') throw new ResourceNotFound('Group', groupId, true);
  return state;
}

function touch<T extends { updatedAt: string; version: number }>(state: T, at: string): T {
  return { ...state, updatedAt: at, version: state.version + 1 };
}
