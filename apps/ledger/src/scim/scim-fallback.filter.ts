import { ArgumentsHost, Catch, NotFoundException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { ScimError } from '@ledger/scim';
import type { Request, Response } from 'express';
import { sendScimError } from './scim-response';

const SCIM_PATH = /^\/tenants\/[^/]+\/scim\//;

/** Routes that match no controller: a SCIM client still gets a SCIM error body. */
@Catch(NotFoundException)
export class ScimNotFoundFilter extends BaseExceptionFilter {
  override catch(exception: NotFoundException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    if (!SCIM_PATH.test(request.path)) return super.catch(exception, host);
    const resource = request.path.replace(SCIM_PATH, '').split('/')[1] ?? '';
    sendScimError(
      host.switchToHttp().getResponse<Response>(),
      new ScimError(404, undefined, `${request.method} ${request.path} is not a SCIM endpoint here${resource ? ` (unknown resource "${resource}")` : ''}; supported: Users, Groups, Bulk, .search, ServiceProviderConfig, ResourceTypes, Schemas`),
    );
  }
}
