import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Member } from '@ledger/domain';
import { ScimReadModel } from '@ledger/projections';
import { ScimError, applyPatch, projectAttributes, validateResource } from '@ledger/scim';
import type { Response } from 'express';
import { GroupsService, groupShape, type PresentGroup } from './groups.service';
import { ScimAuthGuard, type ScimRequest } from './scim-auth.guard';
import { baseUrlOf, scimContext } from './scim-context';
import { ScimExceptionFilter } from './scim-exception.filter';
import { indexHint, listResponse, parseListQuery, wantsAttribute } from './scim-query';
import { etagOf, groupResource } from './resource-mapper';
import { noteIgnored, send } from './users.controller';

@ApiExcludeController()
@Controller('tenants/:tenant/scim/v2/Groups')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class GroupsController {
  constructor(private readonly groups: GroupsService, private readonly readModel: ScimReadModel) {}

  @Get()
  list(@Req() request: ScimRequest, @Query() query: Record<string, unknown>, @Res() response: Response): void {
    send(response, 200, this.search(request, query));
  }

  @Post('.search')
  @HttpCode(200)
  searchPost(@Req() request: ScimRequest, @Body() body: unknown, @Res() response: Response): void {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ScimError(400, 'invalidSyntax', 'a .search body must be a SearchRequest JSON object');
    send(response, 200, this.search(request, body as Record<string, unknown>));
  }

  @Get(':id')
  get(@Req() request: ScimRequest, @Param('id') id: string, @Query() query: Record<string, string>, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res() response: Response): void {
    const tenant = request.scimCaller!.tenant.tenantId;
    const row = this.readModel.group(tenant, id);
    if (!row) throw new ScimError(404, undefined, `Group ${id} not found`);
    const etag = etagOf(row.version);
    if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag.replace(/^W\//, '') || tag.trim() === '*')) {
      response.status(304).setHeader('ETag', etag);
      response.end();
      return;
    }
    const members = wantsAttribute(query, 'members') ? this.readModel.members(tenant, id) : null;
    const resource = groupResource(row, members, baseUrlOf(request));
    send(response, 200, projectAttributes(resource as never, 'Group', { attributes: query['attributes'], excludedAttributes: query['excludedAttributes'] }), etag);
  }

  @Post()
  async create(@Req() request: ScimRequest, @Body() body: unknown, @Res() response: Response): Promise<void> {
    const { resource, ignoredAttributes } = validateResource(body, 'Group', 'create');
    noteIgnored(request, ignoredAttributes);
    const { group } = await this.groups.create(scimContext(request), draftOf(resource));
    request.resourceId = group.groupId;
    const created = groupResource(groupShape(group), [...group.members.values()], baseUrlOf(request));
    response.setHeader('Location', (created['meta'] as { location: string }).location);
    send(response, 201, created, etagOf(group.version));
  }

  @Put(':id')
  async replace(@Req() request: ScimRequest, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res() response: Response): Promise<void> {
    request.resourceId = id;
    const { resource, ignoredAttributes } = validateResource(body, 'Group', 'replace');
    noteIgnored(request, ignoredAttributes);
    const draft = draftOf(resource);
    const context = scimContext(request);
    const { group } = await this.groups.change(context, id, () => ({ type: 'ReplaceGroup', groupId: id, ...draft, at: context.at.toISOString() }), ifMatch);
    send(response, 200, this.resourceOf(request, group), etagOf(group.version));
  }

  @Patch(':id')
  async patch(@Req() request: ScimRequest, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Query() query: Record<string, string>, @Res() response: Response): Promise<void> {
    request.resourceId = id;
    const context = scimContext(request);
    const base = baseUrlOf(request);
    const { group } = await this.groups.change(
      context,
      id,
      (current) => {
        const before = groupResource(groupShape(current), [...current.members.values()], base);
        const { resource, ignoredAttributes } = applyPatch(before as never, body, 'Group');
        noteIgnored(request, ignoredAttributes);
        return { type: 'ReplaceGroup', groupId: id, ...draftOf(resource as Record<string, unknown>), at: context.at.toISOString() };
      },
      ifMatch,
    );
    // Entra and Okta ignore the PATCH response body; a 10,000-member echo would only cost time.
    if (query['attributes'] === undefined && query['excludedAttributes'] === undefined && group.members.size > 1000) {
      response.setHeader('ETag', etagOf(group.version));
      response.status(204).end();
      return;
    }
    send(response, 200, this.resourceOf(request, group), etagOf(group.version));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Req() request: ScimRequest, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined): Promise<void> {
    request.resourceId = id;
    await this.groups.delete(scimContext(request), id, ifMatch);
  }

  private resourceOf(request: ScimRequest, group: PresentGroup) {
    return groupResource(groupShape(group), [...group.members.values()], baseUrlOf(request));
  }

  private search(request: ScimRequest, raw: Record<string, unknown>) {
    const tenant = request.scimCaller!.tenant.tenantId;
    const query = parseListQuery(raw, 'Group');
    const hint = indexHint(query);
    const rows =
      hint && (hint.attribute === 'displayName' || hint.attribute === 'externalId' || hint.attribute === 'id')
        ? this.readModel.groups(tenant, { attribute: hint.attribute, value: hint.value })
        : this.readModel.groups(tenant);
    const withMembers = wantsAttribute(query, 'members');
    const base = baseUrlOf(request);
    const candidates = rows.map((row) => groupResource(row, withMembers ? this.readModel.members(tenant, row.groupId) : null, base));
    return listResponse(candidates, query, 'Group');
  }
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
