import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ScimReadModel } from '@ledger/projections';
import { ScimError, projectAttributes } from '@ledger/scim';
import type { Response } from 'express';
import { groupResource, userResource } from './resource-mapper';
import { ScimAuthGuard, type ScimRequest } from './scim-auth.guard';
import { baseUrlOf } from './scim-context';
import { ScimExceptionFilter } from './scim-exception.filter';
import { LIST_RESPONSE, parseListQuery, searchBody, wantsAttribute } from './scim-query';
import { matchesFilter } from '@ledger/scim';
import { send } from './users.controller';

/**
 * POST /.search on the service root (RFC 7644 §3.4.3): Users and Groups together. A filter on
 * an attribute only one type has (userName, members) searches that type alone; one that fits
 * neither is a 400 invalidFilter. Sorting across types is not offered.
 */
@ApiExcludeController()
@Controller('tenants/:tenant/scim/v2/.search')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class RootSearchController {
  constructor(private readonly readModel: ScimReadModel) {}

  @Post()
  @HttpCode(200)
  search(@Req() request: ScimRequest, @Body() body: unknown, @Res() response: Response): void {
    const raw = searchBody(body);
    if (raw['sortBy'] !== undefined) throw new ScimError(400, 'invalidValue', 'sortBy is not supported on a root search across resource types; search /Users or /Groups');
    const tenant = request.scimCaller!.tenant.tenantId;
    const base = baseUrlOf(request);
    const [userQuery, userError] = attempt(() => parseListQuery(raw, 'User'));
    const [groupQuery, groupError] = attempt(() => parseListQuery(raw, 'Group'));
    if (!userQuery && !groupQuery) throw userError ?? groupError;
    const users = !userQuery ? [] : this.readModel
      .users(tenant)
      .map((row) => userResource(row, base, wantsAttribute(userQuery, 'groups') ? this.readModel.groupsOfMember(tenant, row.userId) : []))
      .filter((resource) => !userQuery.filter || matchesFilter(userQuery.filter, resource as never))
      .map((resource) => projectAttributes(resource as never, 'User', userQuery));
    const groups = !groupQuery ? [] : this.readModel
      .groups(tenant)
      .map((row) => groupResource(row, wantsAttribute(groupQuery, 'members') ? this.readModel.members(tenant, row.groupId) : null, base))
      .filter((resource) => !groupQuery.filter || matchesFilter(groupQuery.filter, resource as never))
      .map((resource) => projectAttributes(resource as never, 'Group', groupQuery));
    const all = [...users, ...groups];
    const paging = (userQuery ?? groupQuery)!;
    const page = all.slice(paging.startIndex - 1, paging.startIndex - 1 + paging.count);
    send(response, 200, { schemas: [LIST_RESPONSE], totalResults: all.length, startIndex: paging.startIndex, itemsPerPage: page.length, Resources: page });
  }
}

function attempt<T>(run: () => T): [T, null] | [null, unknown] {
  try {
    return [run(), null];
  } catch (error) {
    if (error instanceof ScimError && error.scimType === 'invalidFilter') return [null, error];
    throw error;
  }
}
