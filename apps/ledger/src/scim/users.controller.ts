import { ApiExcludeController } from '@nestjs/swagger';
import { All, Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ScimReadModel, type UserRow } from '@ledger/projections';
import { projectAttributes } from '@ledger/scim';
import type { Response } from 'express';
import { ScimAuthGuard, type ScimRequest } from './scim-auth.guard';
import { baseUrlOf, scimContext } from './scim-context';
import { ScimExceptionFilter } from './scim-exception.filter';
import { methodNotAllowed } from './scim-methods';
import { indexHint, listResponse, parseListQuery, searchBody, wantsAttribute } from './scim-query';
import { SCIM_CONTENT_TYPE } from './scim-response';
import { etagNoneMatchHit, userResource, type ScimResource } from './resource-mapper';
import { UsersService } from './users.service';
import { ScimOperations, type IgnoredNote, type WriteAnswer } from './scim-operations';

@ApiExcludeController()
@Controller('tenants/:tenant/scim/v2/Users')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class UsersController {
  constructor(private readonly operations: ScimOperations, private readonly readModel: ScimReadModel, private readonly users: UsersService) {}

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
  async get(
    @Req() request: ScimRequest,
    @Param('id') id: string,
    @Query() query: Record<string, string>,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    // The request ledger names the resource an IdP read: drift counts an IdP GET as a touch.
    request.resourceId = id;
    const tenant = request.scimCaller!.tenant.tenantId;
    const row = this.readModel.user(tenant, id);
    if (!row) throw await this.users.notFound(tenant, id);
    const resource = this.toResource(request, row);
    const etag = (resource['meta'] as { version: string }).version;
    if (etagNoneMatchHit(ifNoneMatch, etag)) {
      response.status(304).setHeader('ETag', etag);
      response.end();
      return;
    }
    send(response, 200, projectAttributes(resource as never, 'User', { attributes: query['attributes'], excludedAttributes: query['excludedAttributes'] }), etag);
  }

  @Post()
  async create(@Req() request: ScimRequest, @Body() body: unknown, @Res() response: Response): Promise<void> {
    answer(request, response, await this.operations.createUser(scimContext(request), baseUrlOf(request), body, noter(request)));
  }

  @Put(':id')
  async replace(@Req() request: ScimRequest, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res() response: Response): Promise<void> {
    request.resourceId = id;
    answer(request, response, await this.operations.replaceUser(scimContext(request), baseUrlOf(request), id, body, ifMatch, noter(request)));
  }

  @Patch(':id')
  async patch(@Req() request: ScimRequest, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res() response: Response): Promise<void> {
    request.resourceId = id;
    answer(request, response, await this.operations.patchUser(scimContext(request), baseUrlOf(request), id, body, ifMatch, noter(request)));
  }

  @Delete(':id')
  async remove(@Req() request: ScimRequest, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Res() response: Response): Promise<void> {
    request.resourceId = id;
    answer(request, response, await this.operations.deleteUser(scimContext(request), id, ifMatch));
  }

  private search(request: ScimRequest, raw: Record<string, unknown>) {
    const tenant = request.scimCaller!.tenant.tenantId;
    const query = parseListQuery(raw, 'User');
    const hint = indexHint(query);
    const rows =
      hint && (hint.attribute === 'userName' || hint.attribute === 'externalId' || hint.attribute === 'id')
        ? this.readModel.users(tenant, { attribute: hint.attribute, value: hint.value })
        : this.readModel.users(tenant);
    const withGroups = wantsAttribute(query, 'groups');
    const base = baseUrlOf(request);
    const candidates = rows.map((row) => userResource(row, base, withGroups ? this.readModel.groupsOfMember(tenant, row.userId) : []));
    return listResponse(candidates, query, 'User');
  }

  private toResource(request: ScimRequest, row: UserRow): ScimResource {
    return userResource(row, baseUrlOf(request), this.readModel.groupsOfMember(row.tenantId, row.userId));
  }
}

export function noter(request: ScimRequest): IgnoredNote {
  return (ignored) => {
    if (ignored.length > 0) request.ignoredAttributes = [...(request.ignoredAttributes ?? []), ...ignored.map((a) => `${a.path} (${a.reason})`)];
  };
}

/** Sends a write's answer; a 204 has no body. */
export function answer(request: ScimRequest, response: Response, result: WriteAnswer): void {
  request.resourceId = result.resourceId;
  if (result.location && result.status === 201) response.setHeader('Location', result.location);
  if (result.status === 204) {
    if (result.etag) response.setHeader('ETag', result.etag);
    response.status(204).end();
    return;
  }
  send(response, result.status, result.resource, result.etag ?? undefined);
}

export function send(response: Response, status: number, body: unknown, etag?: string): void {
  if (etag) response.setHeader('ETag', etag);
  response.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}

