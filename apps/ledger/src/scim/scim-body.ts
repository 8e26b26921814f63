import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { json } from 'express';
import { ScimError } from '@ledger/scim';
import { sendScimError } from './scim-response';

const JSON_TYPES = ['application/scim+json', 'application/json', 'application/*+json'];
const SCIM_PATH = /^\/tenants\/[^/]+\/scim\//;

/**
 * SCIM bodies are JSON sent as application/scim+json (Entra) or application/json (Okta).
 * Body-parser failures happen before Nest's pipeline, so they are answered here, as SCIM errors
 * on SCIM routes: malformed JSON 400 invalidSyntax, too large 413, other content types 415.
 */
export function installBodyParsers(app: INestApplication, maxBodyBytes: number): void {
  app.use(json({ limit: maxBodyBytes, type: JSON_TYPES, strict: false }));
  app.use((request: Request, response: Response, next: NextFunction) => {
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (hasBody && request.method !== 'GET' && request.method !== 'DELETE' && !request.is(JSON_TYPES)) {
      return sendScimError(response, new ScimError(415, undefined, `unsupported Content-Type "${request.headers['content-type'] ?? ''}": send application/scim+json or application/json`));
    }
    // body-parser reads an empty body as {}; a SCIM client that sent nothing is told so, not that "schemas" is missing.
    if (request.headers['content-length'] === '0' && SCIM_PATH.test(request.path)) request.body = undefined;
    next();
  });
  app.use((error: Error & { type?: string; status?: number }, _request: Request, response: Response, next: NextFunction) => {
    if (error.type === 'entity.too.large') {
      return sendScimError(response, new ScimError(413, undefined, `request body exceeds the limit of ${maxBodyBytes} bytes; split the request (for example fewer members per PATCH)`));
    }
    if (error.type === 'entity.parse.failed') {
      return sendScimError(response, new ScimError(400, 'invalidSyntax', `request body is not valid JSON: ${error.message}`));
    }
    if (error.status && error.status >= 400 && error.status < 500) {
      return sendScimError(response, new ScimError(error.status, undefined, error.message));
    }
    next(error);
  });
}
