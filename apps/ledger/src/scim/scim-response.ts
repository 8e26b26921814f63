import type { Response } from 'express';
import { ScimError } from '@ledger/scim';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function sendScimError(response: Response, error: ScimError): void {
  response.status(error.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(error.toResponse()));
}
