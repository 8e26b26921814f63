import type { Response } from 'express';
import { ScimError } from '@ledger/scim';
import { bearerChallenge, type ScimRequest } from './scim-auth.guard';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function sendScimError(response: Response, error: ScimError): void {
  // The request ledger reads what we answered from the request.
  (response.req as { scimError?: ScimError }).scimError = error;
  if (error.status === 401) response.setHeader('WWW-Authenticate', bearerChallenge(response.req as ScimRequest));
  response.status(error.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(error.toResponse()));
}
