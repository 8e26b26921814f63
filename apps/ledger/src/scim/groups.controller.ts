import { ApiExcludeController } from '@nestjs/swagger';
import { All, Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ScimReadModel } from '@ledger/projections';
import { projectAttributes } from '@ledger/scim';
import type { Response } from 'express';
import { GroupsService } from './groups.service';
import { ScimOperations } from './scim-operations';
import { ScimAuthGuard, type ScimRequest } from './scim-auth.guard';
import { baseUrlOf, scimContext } from './scim-context';
import { ScimExceptionFilter } from './scim-exception.filter';
import { methodNotAllowed } from './scim-methods';
import { indexHint, listResponse, parseListQuery, searchBody, wantsAttribute } from './scim-query';
import { etagNoneMatchHit, etagOf, groupResource } from './resource-mapper';
import { answer, noter, send } from './users.controller';

@ApiExcludeController()
@Controller('tenants/:tenant/scim/v2/Groups')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class GroupsController {
  constructor(private readonly operations: ScimOperations, private readonly readModel: ScimReadModel, private readonly groups: GroupsService) {}

  @Get()
  list(@Req() request: ScimRequest, @Query() query: Record<string, unknown>, @Res() response: Response): void {
    send(response, 200, this.search(request, query));
  }

  @Post('.search')
  @HttpCode(200)
  searchPost(@Req() request: ScimRequest, @Body() body: unknown, @Res() response: Response): void {
    send(response, 200, this.search(request, searchBody(body)));
  }

  /** Declared before `:id`, so GET /Users/.search is a wrong method rather than a user named ".search". */
  @All('.search')
  searchOtherMethod(@Req() request: ScimRequest, @Res() response: Response): void {
    throw methodNotAllowed(response, request.method, request.path, ['POST']);
  }

  @Get(':id')
  async get(@Req() request: ScimRequest, @Param('id') id: string, @Query() query: Record<string, string>, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res() response: Response): Promise<void> {
    // The request ledger names the resource an IdP read: drift counts an IdP GET as a touch.
    request.resourceId = id;
    const tenant = request.scimCaller!.tenant.tenantId;
    const row = this.readModel.group(tenant, id);
    if (!row) throw await this.groups.notFound(tenant, id);
    const etag = etagOf(row.version);
    if (etagNoneMatchHit(ifNoneMatch, etag)) {
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
    answer(request, response, await this.operations.createGroup(scimContext(request), baseUrlOf(request), body, noter(request)));
  }

  @Put(':id')
  async replace(@Req() request: ScimRequest, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res() response: Response): Promise<void> {
    request.resourceId = id;
    answer(request, response, await this.operations.replaceGroup(scimContext(request), baseUrlOf(request), id, body, ifMatch, noter(request)));
  }

  @Patch(':id')
  async patch(@Req() request: ScimRequest, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Query() query: Record<string, string>, @Res() response: Response): Promise<void> {
    request.resourceId = id;
    const result = await this.operations.patchGroup(scimContext(request), baseUrlOf(request), id, body, ifMatch, noter(request));
    const members = (result.resource?.['members'] as unknown[] | undefined)?.length ?? 0;
    // Entra and Okta ignore the PATCH response body; a 10,000-member echo would only cost time.
    if (query['attributes'] === undefined && query['excludedAttributes'] === undefined && members > 1000) {
      answer(request, response, { ...result, status: 204, resource: null });
      return;
    }
    answer(request, response, result);
  }

  @Delete(':id')
  async remove(@Req() request: ScimRequest, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Res() response: Response): Promise<void> {
    request.resourceId = id;
    answer(request, response, await this.operations.deleteGroup(scimContext(request), id, ifMatch));
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
