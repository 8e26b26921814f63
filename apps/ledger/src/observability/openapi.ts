import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type OperationObject } from '@nestjs/swagger';
import { AUDIT_SCHEMAS } from '../audit/audit.openapi';

/** The one security scheme: every API takes `Authorization: Bearer <token>`; which token depends on the API. */
export const BEARER = 'bearer';

const BEARER_DESCRIPTION = [
  'Opaque bearer tokens (not JWTs), compared as secrets. Which one each API takes:',
  '',
  '- `/admin/*`, `/transparency/*` (except the public keys) and `/tenants/{tenant}/sla/*`: the admin token, `ADMIN_TOKEN` from the environment (if unset, an `adm_...` token generated into `DATA_DIR/admin-token` on first start).',
  '- `/tenants/{tenant}/audit/*`: the admin token, or an auditor token of that tenant (`aud_...`, issued by `POST /admin/tenants/{tenant}/auditors`, shown once). Auditor tokens are read-only and bound to one tenant: another tenant\'s URL answers 403.',
  '- `/tenants/{tenant}/lifecycle/signals`: the admin token, or an IdP token of that tenant (`scim_...`, issued by `POST /admin/tenants/{tenant}/tokens`).',
  '- SCIM (`/tenants/{tenant}/scim/v2`, not described here): an IdP token of that tenant.',
  '',
  'Operations marked with no security requirement (`/health*`, `/metrics`, `/transparency/public-key(s)`) are open.',
].join('\n');

/**
 * OpenAPI for the admin, audit and operations APIs. SCIM routes are described by SCIM's own
 * discovery endpoints (RFC 7644 §4) and are left out here.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('scim-ledger admin and audit API')
    .setDescription('Tenants, tokens, request ledger, audit queries and operations. SCIM itself lives under /tenants/{tenant}/scim/v2.')
    .setVersion('1')
    // addSecurity, not addBearerAuth: that one adds bearerFormat JWT, and these tokens are opaque.
    .addSecurity(BEARER, { type: 'http', scheme: 'bearer', description: BEARER_DESCRIPTION })
    // Secured unless an operation says otherwise (open ones declare `security: []`).
    .addSecurityRequirements(BEARER)
    .addTag('admin', 'Tenants and IdP tokens (admin token)')
    .addTag('auditors', 'Auditor tokens: read-only, one tenant each (admin token)')
    .addTag('audit', 'What was the state at time T, and why (admin or auditor token)')
    .addTag('request ledger', 'Every SCIM request, what was answered, and why')
    .addTag('transparency', 'Signed checkpoints and proofs over the event log')
    .addTag('sla', 'Lifecycle SLA policies, signals, cases and reports')
    .addTag('projections', 'Read model checkpoints and lag (admin token)')
    .addTag('health', 'Liveness and readiness (open)')
    .addTag('metrics', 'Prometheus metrics (open)')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  for (const path of Object.keys(document.paths)) if (path.includes('/scim/v2')) delete document.paths[path];
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...AUDIT_SCHEMAS } };
  // Nest names path parameters but cannot describe them; `tenant` is in most paths.
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as OperationObject[]) {
      for (const parameter of operation.parameters ?? []) {
        if ('in' in parameter && parameter.in === 'path' && parameter.name === 'tenant') parameter.description ??= 'tenant id, e.g. acme';
      }
    }
  }
  return document;
}
