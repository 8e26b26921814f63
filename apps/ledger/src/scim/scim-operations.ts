import { Injectable } from '@nestjs/common';
import type { Member } from '@ledger/domain';
import { ScimReadModel } from '@ledger/projections';
import { ScimError, applyPatch, validateResource } from '@ledger/scim';
import type { RequestContext } from '../shared/request-context';
import { GroupsService, groupShape, type PresentGroup } from './groups.service';
import { etagOf, groupResource, userResource, type ScimResource } from './resource-mapper';
import { UsersService } from './users.service';

/** What a write answers, whether it came alone or inside a Bulk request. */
export interface WriteAnswer {
  status: 200 | 201 | 204;
  resourceId: string;
  resource: ScimResource | null;
  etag: string | null;
  location: string | null;
}

/** Notes attributes a client sent that were not stored, for the request ledger. */
export type IgnoredNote = (ignored: ReadonlyArray<{ path: string; reason: string }>) => void;

/**
 * SCIM writes on Users and Groups, shared by the resource endpoints and Bulk: validate, run the
 * command, answer with the resource as the read model now has it.
 */
@Injectable()
export class ScimOperations {
  constructor(private readonly users: UsersService, private readonly groups: GroupsService, private readonly readModel: ScimReadModel) {}

  async createUser(context: RequestContext, base: string, body: unknown, note: IgnoredNote): Promise<WriteAnswer> {
    const { resource, ignoredAttributes } = validateResource(body, 'User', 'create');
    note(ignoredAttributes);
    const { user } = await this.users.provision(context, storable(resource));
    return this.userAnswer(context.tenant, base, user.userId, 201, userResource(user, base));
  }

  async replaceUser(context: RequestContext, base: string, id: string, body: unknown, ifMatch: string | undefined, note: IgnoredNote): Promise<WriteAnswer> {
    const { resource, secrets, ignoredAttributes } = validateResource(body, 'User', 'replace');
    note(ignoredAttributes);
    const { user, events } = await this.users.replace(context, id, () => storable(resource), ifMatch);
    if (secrets.password !== undefined && events.length === 0) throw passwordChangeUnsupported();
    return this.userAnswer(context.tenant, base, user.userId, 200, userResource(user, base));
  }

  async patchUser(context: RequestContext, base: string, id: string, body: unknown, ifMatch: string | undefined, note: IgnoredNote): Promise<WriteAnswer> {
    let password: string | undefined;
    const { user, events } = await this.users.replace(
      context,
      id,
      (current) => {
        const { resource, secrets, ignoredAttributes } = applyPatch(userResource({ ...current, userId: id }, base) as never, body, 'User');
        note(ignoredAttributes);
        password = secrets.password;
        return storable(resource as Record<string, unknown>);
      },
      ifMatch,
    );
    if (password !== undefined && events.length === 0) throw passwordChangeUnsupported();
    return this.userAnswer(context.tenant, base, user.userId, 200, userResource(user, base));
  }

  async deleteUser(context: RequestContext, id: string, ifMatch: string | undefined): Promise<WriteAnswer> {
    await this.users.delete(context, id, ifMatch);
    return { status: 204, resourceId: id, resource: null, etag: null, location: null };
  }

  async createGroup(context: RequestContext, base: string, body: unknown, note: IgnoredNote): Promise<WriteAnswer> {
    const { resource, ignoredAttributes } = validateResource(body, 'Group', 'create');
    note(ignoredAttributes);
    const { group } = await this.groups.create(context, draftOf(resource));
    return groupAnswer(group, base, 201);
  }

  async replaceGroup(context: RequestContext, base: string, id: string, body: unknown, ifMatch: string | undefined, note: IgnoredNote): Promise<WriteAnswer> {
    const { resource, ignoredAttributes } = validateResource(body, 'Group', 'replace');
    note(ignoredAttributes);
    const draft = draftOf(resource);
    const { group } = await this.groups.change(context, id, () => ({ type: 'ReplaceGroup', groupId: id, ...draft, at: context.at.toISOString() }), ifMatch);
    return groupAnswer(group, base, 200);
  }

  async patchGroup(context: RequestContext, base: string, id: string, body: unknown, ifMatch: string | undefined, note: IgnoredNote): Promise<WriteAnswer> {
    const { group } = await this.groups.change(
      context,
      id,
      (current) => {
        const before = groupResource(groupShape(current), [...current.members.values()], base);
        const { resource, ignoredAttributes } = applyPatch(before as never, body, 'Group');
        note(ignoredAttributes);
        return { type: 'ReplaceGroup', groupId: id, ...draftOf(resource as Record<string, unknown>), at: context.at.toISOString() };
      },
      ifMatch,
    );
    return groupAnswer(group, base, 200);
  }

  async deleteGroup(context: RequestContext, id: string, ifMatch: string | undefined): Promise<WriteAnswer> {
    await this.groups.delete(context, id, ifMatch);
    return { status: 204, resourceId: id, resource: null, etag: null, location: null };
  }

  /** The user as the read model has it after the write, with its groups; the fresh state otherwise. */
  private userAnswer(tenant: string, base: string, userId: string, status: 200 | 201, fallback: ScimResource): WriteAnswer {
    const row = this.readModel.user(tenant, userId);
    const resource = row ? userResource(row, base, this.readModel.groupsOfMember(tenant, userId)) : fallback;
    const meta = resource['meta'] as { location: string; version: string };
    return { status, resourceId: userId, resource, etag: meta.version, location: meta.location };
  }
}

// changePassword is unsupported: a write that would only set a password fails; beside real changes it is dropped, as on POST.
function passwordChangeUnsupported(): ScimError {
  return new ScimError(400, 'mutability', 'password cannot be changed: changePassword is not supported (see /ServiceProviderConfig); passwords are accepted and never stored, and nothing else in this request changes the user');
}

function groupAnswer(group: PresentGroup, base: string, status: 200 | 201): WriteAnswer {
  const resource = groupResource(groupShape(group), [...group.members.values()], base);
  return { status, resourceId: group.groupId, resource, etag: etagOf(group.version), location: `${base}/Groups/${group.groupId}` };
}

/** What the decider stores: no schemas, id, meta or groups; those are derived on the way out. */
function storable(resource: Record<string, unknown>): Record<string, unknown> {
  const { schemas: _s, id: _i, meta: _m, groups: _g, password: _p, ...attributes } = resource;
  return attributes;
}

function draftOf(resource: Record<string, unknown>): { displayName: string; externalId: string | null; members: Member[] } {
  const members = Array.isArray(resource['members']) ? (resource['members'] as Array<Record<string, unknown>>) : [];
  return {
    displayName: resource['displayName'] as string,
    externalId: (resource['externalId'] as string | undefined) ?? null,
    members: members.map((m) => {
      const member: Member = { value: String(m['value']) };
      if (m['type'] === 'User' || m['type'] === 'Group') member.type = m['type'];
      if (typeof m['display'] === 'string') member.display = m['display'];
      return member;
    }),
  };
}
