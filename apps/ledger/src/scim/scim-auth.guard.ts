import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ScimReadModel, type TenantRow, type TokenRow } from '@ledger/projections';
import { ScimError } from '@ledger/scim';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../infrastructure/secrets';
import type { RequestContext } from '../shared/request-context';

export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'expired' | 'revoked' | 'wrong_tenant' | 'suspended';

export interface ScimCaller {
  tenant: TenantRow;
  token: TokenRow;
}

export interface ScimRequest extends Request {
  scimCaller?: ScimCaller;
  ledgerContext?: RequestContext;
  /** The error answered, set by the SCIM exception filter. */
  scimError?: ScimError;
  /** Attributes the client sent that were not stored (unknown or readOnly). */
  ignoredAttributes?: string[];
  /** Id of the resource the request created or changed. */
  resourceId?: string;
  authFailure?: { reason: AuthFailure; tokenId: string | null; tokenTenant: string | null };
}

const TOKEN_FORMAT = /^scim_[A-Za-z0-9_-]{20,200}$/;

/**
 * RFC 6750 §3: error="invalid_token" when a bearer token was presented and refused; a request
 * with no bearer token at all (none, or another scheme) gets the bare challenge (§3.1).
 */
export function bearerChallenge(request: ScimRequest): string {
  const presented = /^Bearer\s+\S/i.test(request.headers.authorization ?? '');
  return presented && request.authFailure ? 'Bearer realm="scim-ledger", error="invalid_token"' : 'Bearer realm="scim-ledger"';
}

/**
 * Bearer token of the URL's tenant. Each refusal says which check failed, so an IAM engineer
 * can fix it from the IdP's log alone, without saying whether some other tenant exists.
 */
@Injectable()
export class ScimAuthGuard implements CanActivate {
  constructor(private readonly readModel: ScimReadModel) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ScimRequest>();
    const tenantId = request.params['tenant'] ?? '';
    const header = request.headers.authorization;
    if (!header) return this.refuse(request, 'missing', null, null, 'no Authorization header; send "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !TOKEN_FORMAT.test(match[1]!)) {
      return this.refuse(request, 'malformed', null, null, 'Authorization header is not "Bearer scim_..." (check for a missing Bearer prefix, quotes or whitespace)');
    }
    const presentedHash = sha256Hex(match[1]!);
    const token = this.readModel.tokenBySecretHash(presentedHash);
    if (!token || !timingSafeEqual(Buffer.from(token.secretHash, 'hex'), Buffer.from(presentedHash, 'hex'))) {
      return this.refuse(request, 'unknown', null, null, 'bearer token is not recognised (it may be mistyped, or from another deployment)');
    }
    if (token.revokedAt) {
      return this.refuse(request, 'revoked', token.tokenId, token.tenantId, `bearer token "${token.name}" was revoked at ${token.revokedAt}; issue a new one`);
    }
    if (token.expiresAt && Date.parse(token.expiresAt) <= Date.now()) {
      return this.refuse(request, 'expired', token.tokenId, token.tenantId, `bearer token "${token.name}" expired at ${token.expiresAt}; rotate it`);
    }
    if (token.tenantId !== tenantId) {
      return this.refuse(request, 'wrong_tenant', token.tokenId, token.tenantId, 'bearer token belongs to a different tenant than the one in the URL; check the SCIM base URL configured in the IdP');
    }
    const tenant = this.readModel.tenant(tenantId);
    if (!tenant) return this.refuse(request, 'unknown', token.tokenId, token.tenantId, 'tenant not found');
    if (tenant.status === 'suspended') {
      request.authFailure = { reason: 'suspended', tokenId: token.tokenId, tokenTenant: token.tenantId };
      request.scimCaller = { tenant, token };
      throw new ScimError(403, undefined, `tenant ${tenantId} is suspended; provisioning is paused`);
    }
    request.scimCaller = { tenant, token };
    return true;
  }

  private refuse(request: ScimRequest, reason: AuthFailure, tokenId: string | null, tokenTenant: string | null, detail: string): never {
    request.authFailure = { reason, tokenId, tokenTenant };
    throw new ScimError(401, undefined, detail);
  }
}
