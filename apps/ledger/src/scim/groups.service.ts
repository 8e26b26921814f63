import { Injectable } from '@nestjs/common';
import { decideGroup, evolveGroup, initialGroup, streams, type Group, type GroupCommand, type GroupEvent, type Member } from '@ledger/domain';
import { ScimReadModel } from '@ledger/projections';
import { ScimError } from '@ledger/scim';
import { randomUUID } from 'node:crypto';
import { EventSourcedRepository } from '../shared/event-sourced-repository';
import { ReadModelGate } from '../shared/read-model-gate';
import type { RequestContext } from '../shared/request-context';
import { etagMatches, type GroupShape } from './resource-mapper';

const groupFolding = { evolve: evolveGroup, initialState: initialGroup };
export type PresentGroup = Exclude<Group, { status: 'absent' }>;

export interface GroupDraft {
  displayName: string;
  externalId: string | null;
  members: Member[];
}

@Injectable()
export class GroupsService {
  constructor(private readonly repository: EventSourcedRepository, private readonly readModel: ScimReadModel, private readonly gate: ReadModelGate) {}

  async create(context: RequestContext, draft: GroupDraft): Promise<{ group: PresentGroup; events: GroupEvent[] }> {
    const groupId = randomUUID();
    this.requireMembersExist(context.tenant, draft.members);
    const outcome = await this.repository.execute<Group, GroupEvent>(streams.group(context.tenant, groupId), groupFolding, context, ({ state }) =>
      decideGroup({ type: 'CreateGroup', groupId, ...draft, at: context.at.toISOString() }, state),
    );
    await this.gate.reached(outcome.position);
    return { group: outcome.state as PresentGroup, events: outcome.events };
  }

  /** A read's 404, worded like a write's: a deleted group says so. */
  async notFound(tenant: string, groupId: string): Promise<ScimError> {
    const { state } = await this.repository.load<Group, GroupEvent>(streams.group(tenant, groupId), groupFolding);
    return groupNotFound(groupId, state.status === 'deleted');
  }

  async load(tenant: string, groupId: string): Promise<PresentGroup | null> {
    const { state } = await this.repository.load<Group, GroupEvent>(streams.group(tenant, groupId), groupFolding);
    return state.status === 'present' ? state : null;
  }

  /** PUT and PATCH: `change` sees the current group and returns the command to run. */
  async change(
    context: RequestContext,
    groupId: string,
    change: (current: PresentGroup) => GroupCommand,
    ifMatch?: string,
  ): Promise<{ group: PresentGroup; events: GroupEvent[] }> {
    // A conflict is decided again on the newer state; with If-Match, that state then answers 412.
    const outcome = await this.repository.execute<Group, GroupEvent>(streams.group(context.tenant, groupId), groupFolding, context, ({ state }) => {
      const current = requireGroup(state, groupId);
      if (!etagMatches(ifMatch, current.version)) {
        throw new ScimError(412, undefined, `If-Match ${ifMatch} does not match the current version W/"${current.version}"`);
      }
      const command = change(current);
      if (command.type === 'ReplaceGroup' || command.type === 'ChangeGroupMembers') {
        const adding = command.type === 'ReplaceGroup' ? command.members.filter((m) => !current.members.has(m.value)) : command.add;
        this.requireMembersExist(context.tenant, adding);
      }
      return decideGroup(command, state);
    });
    await this.gate.reached(outcome.position);
    return { group: outcome.state as PresentGroup, events: outcome.events };
  }

  async delete(context: RequestContext, groupId: string, ifMatch?: string): Promise<void> {
    await this.change(context, groupId, () => ({ type: 'DeleteGroup', groupId, at: context.at.toISOString() }), ifMatch);
  }

  /** Members must be users or groups of this tenant: a stale id is the IdP's bug, say so (RFC 7644 §3.5.2). */
  private requireMembersExist(tenant: string, members: Member[]): void {
    const ids = (type: Member['type'] | 'any') => members.filter((m) => (m.type ?? 'any') === type).map((m) => m.value);
    const notGroups = this.readModel.missing(tenant, 'group', [...ids('Group'), ...ids('any')]);
    const notUsers = this.readModel.missing(tenant, 'user', [...ids('User'), ...ids('any')]);
    for (const member of members) {
      if (member.type === 'Group') {
        if (notGroups.has(member.value)) throw new ScimError(400, 'invalidValue', `member ${member.value} is not a group of this tenant`);
      } else if (notUsers.has(member.value) && !(member.type === undefined && !notGroups.has(member.value))) {
        throw new ScimError(400, 'invalidValue', `member ${member.value} is not a user of this tenant (it may have been deleted; re-sync it from the IdP)`);
      }
    }
  }
}

function requireGroup(state: Group, groupId: string): PresentGroup {
  if (state.status !== 'present') throw groupNotFound(groupId, state.status === 'deleted');
  return state;
}

function groupNotFound(groupId: string, deleted: boolean): ScimError {
  return new ScimError(404, undefined, `Group ${groupId} not found${deleted ? ' (it was deleted)' : ''}`);
}

export function groupShape(group: PresentGroup): GroupShape {
  return { groupId: group.groupId, displayName: group.displayName, externalId: group.externalId, createdAt: group.createdAt, updatedAt: group.updatedAt, version: group.version };
}
