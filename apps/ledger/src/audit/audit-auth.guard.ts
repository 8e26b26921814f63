import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuditReadModel, type AuditorRow } from '@ledger/projections';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { ADMIN_TOKEN, bearerToken } from '../admin/admin-auth.guard';
import { sameSecret, sha256Hex } from '../infrastructure/secrets';
import { TenancyService } from '../tenancy/tenancy.service';

export type AuditCaller = { kind: 'admin' } | { kind: 'auditor'; auditor: AuditorRow };

export interface AuditRequest extends Request {
  auditCaller?: AuditCaller;
}

const AUDITOR_TOKEN = /^aud_[A-Za-z0-9_-]{20,200}$/;

/** The admin token, or an auditor token of the URL's tenant (read-only, one tenant). */
@Injectable()
export class AuditAuthGuard implements CanActivate {
  constructor(
    @Inject(ADMIN_TOKEN) private readonly adminToken: string,
    private readonly model: AuditReadModel,
    private readonly tenancy: TenancyService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuditRequest>();
    const tenant = String(request.params['tenant'] ?? '');
    const presented = bearerToken(request.headers.authorization);
    if (!presented) throw new UnauthorizedException('a bearer token is required: the admin token or an auditor token (aud_...)');
    if (sameSecret(presented, this.adminToken)) {
      request.auditCaller = { kind: 'admin' };
    } else {
      request.auditCaller = { kind: 'auditor', auditor: this.auditor(presented, tenant) };
    }
    this.tenancy.requireTenant(tenant);
    return true;
  }

  private auditor(presented: string, tenant: string): AuditorRow {
    if (!AUDITOR_TOKEN.test(presented)) throw new UnauthorizedException('bearer token is neither the admin token nor an auditor token');
    const hash = sha256Hex(presented);
    const auditor = this.model.auditors.bySecretHash(hash);
    if (!auditor || !timingSafeEqual(Buffer.from(auditor.secretHash, 'hex'), Buffer.from(hash, 'hex'))) {
      throw new UnauthorizedException('auditor token is not recognised');
    }
    if (auditor.revokedAt) throw new UnauthorizedException(`auditor token "${auditor.name}" was revoked at ${auditor.revokedAt}`);
    if (auditor.tenantId !== tenant) throw new ForbiddenException('this auditor token reads only the tenant it was issued for');
    return auditor;
  }
}
