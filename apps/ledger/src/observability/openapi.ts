import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/**
 * OpenAPI for the admin, audit and operations APIs. SCIM routes are described by SCIM's own
 * discovery endpoints (RFC 7644 §4) and are left out here.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('scim-ledger admin and audit API')
    .setDescription('Tenants, tokens, request ledger, audit queries and operations. SCIM itself lives under /tenants/{tenant}/scim/v2.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, or an auditor token for audit routes' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  for (const path of Object.keys(document.paths)) if (path.includes('/scim/v2')) delete document.paths[path];
  return document;
}
