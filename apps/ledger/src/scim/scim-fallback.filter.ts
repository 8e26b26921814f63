import { ArgumentsHost, Catch, NotFoundException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { ScimError } from '@ledger/scim';
import type { Request, Response } from 'express';
import { endpointMethods, meNotSupported, methodNotAllowed } from './scim-methods';
import { sendScimError } from './scim-response';

const SCIM_PATH = /^\/tenants\/[^/]+\/scim\//;
const SCIM_BASE = /^\/tenants\/[^/]+\/scim\/v2(?=\/|$)/;
const SERVED = ['Users', 'Groups', 'Bulk', '.search', 'ServiceProviderConfig', 'ResourceTypes', 'Schemas'];

/**
 * Routes that match no controller: a SCIM client still gets a SCIM error body, and one that
 * tells a wrong method (405 with Allow) apart from a resource type that is not served (404).
 */
@Catch(NotFoundException)
export class ScimNotFoundFilter extends BaseExceptionFilter {
  override catch(exception: NotFoundException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    if (!SCIM_PATH.test(request.path)) return super.catch(exception, host);
    sendScimError(response, answerFor(request, response));
  }
}

function answerFor(request: Request, response: Response): ScimError {
  const base = SCIM_BASE.exec(request.path);
  const endpoint = base ? endpointMethods(request.path.slice(base[0].length)) : ({ kind: 'unknown' } as const);
  if (endpoint.kind === 'me') return meNotSupported();
  if (endpoint.kind === 'methods' && !endpoint.allowed.includes(request.method)) {
    return methodNotAllowed(response, request.method, request.path, endpoint.allowed);
  }
  const resource = base ? request.path.slice(base[0].length).split('/')[1] ?? '' : '';
  const served = SERVED.find((name) => name.toLowerCase() === resource.toLowerCase());
  const why = !resource ? '' : served ? ` (no such path under ${served})` : ` (unknown resource "${resource}")`;
  return new ScimError(404, undefined, `${request.method} ${request.path} is not a SCIM endpoint here${why}; served: ${SERVED.join(', ')}`);
}
