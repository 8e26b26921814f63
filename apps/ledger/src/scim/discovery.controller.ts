import { ApiExcludeController } from '@nestjs/swagger';
import { Controller, Get, Param, Req, Res, UseFilters } from '@nestjs/common';
import { ScimError, getResourceType, getSchema, listResourceTypes, listSchemas } from '@ledger/scim';
import type { Request, Response } from 'express';
import { baseUrlOf } from './scim-context';
import { ScimExceptionFilter } from './scim-exception.filter';
import { DEFAULT_PAGE, MAX_PAGE } from './scim-query';
import { send } from './users.controller';
import { BULK_MAX_OPERATIONS, BULK_MAX_PAYLOAD_BYTES } from './bulk.controller';

/** Discovery answers without a token (RFC 7644 §4) and tells the truth about what is supported. */
@ApiExcludeController()
@Controller('tenants/:tenant/scim/v2')
@UseFilters(ScimExceptionFilter)
export class DiscoveryController {
  @Get('ServiceProviderConfig')
  serviceProviderConfig(@Req() request: Request, @Res() response: Response): void {
    refuseFilter(request);
    const base = baseUrlOf(request);
    send(response, 200, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
      patch: { supported: true },
      bulk: { supported: true, maxOperations: BULK_MAX_OPERATIONS, maxPayloadSize: BULK_MAX_PAYLOAD_BYTES },
      filter: { supported: true, maxResults: MAX_PAGE },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: { cursor: false, index: true, defaultPaginationMethod: 'index', defaultPageSize: DEFAULT_PAGE, maxPageSize: MAX_PAGE },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: 'A per-tenant bearer token issued by the ledger admin API (scim_...).',
          specUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
    });
  }

  @Get('Schemas')
  schemas(@Req() request: Request, @Res() response: Response): void {
    refuseFilter(request);
    send(response, 200, listSchemas(baseUrlOf(request)));
  }

  @Get('Schemas/:id')
  schema(@Req() request: Request, @Param('id') id: string, @Res() response: Response): void {
    refuseFilter(request);
    send(response, 200, getSchema(id, baseUrlOf(request)));
  }

  @Get('ResourceTypes')
  resourceTypes(@Req() request: Request, @Res() response: Response): void {
    refuseFilter(request);
    send(response, 200, listResourceTypes(baseUrlOf(request)));
  }

  @Get('ResourceTypes/:name')
  resourceType(@Req() request: Request, @Param('name') name: string, @Res() response: Response): void {
    refuseFilter(request);
    send(response, 200, getResourceType(name, baseUrlOf(request)));
  }
}

/**
 * RFC 7644 §4: discovery is not filtered, and a 403 keeps a client from taking the full answer
 * for a filtered one.
 */
function refuseFilter(request: Request): void {
  if (!Object.keys(request.query).some((name) => name.toLowerCase() === 'filter')) return;
  throw new ScimError(403, undefined, `filtering is not supported on discovery endpoints (RFC 7644 §4); GET ${request.path} without "filter" and select on the client`);
}
