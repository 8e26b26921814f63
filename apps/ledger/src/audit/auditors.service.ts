import { Injectable } from '@nestjs/common';
import { auditorStream, decideAuditor, evolveAuditor, initialAuditor, type Auditor, type AuditorEvent } from '@ledger/domain';
import { AuditProjector, AuditReadModel, type AuditorRow } from '@ledger/projections';
import { randomUUID } from 'node:crypto';
import { newSecret, sha256Hex } from '../infrastructure/secrets';
import { EventSourcedRepository } from '../shared/event-sourced-repository';
import type { RequestContext } from '../shared/request-context';
import { NotFound, TenancyService } from '../tenancy/tenancy.service';

const auditorFolding = { evolve: evolveAuditor, initialState: initialAuditor };

export interface PublicAuditor {
  id: string;
  tenantId: string;
  name: string;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Auditor credentials: events on `auditor-<tenant>:<id>`, secret shown once, only its sha256 kept. */
@Injectable()
export class AuditorsService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly tenancy: TenancyService,
    private readonly model: AuditReadModel,
    private readonly projector: AuditProjector,
  ) {}

  async issue(context: RequestContext, tenantId: string, name: string): Promise<PublicAuditor & { token: string }> {
    this.tenancy.requireTenant(tenantId);
    const auditorId = randomUUID();
    const secret = newSecret('aud_');
    const outcome = await this.repository.execute<Auditor, AuditorEvent>(auditorStream(tenantId, auditorId), auditorFolding, { ...context, tenant: tenantId }, ({ state }) =>
      decideAuditor({ type: 'IssueAuditor', auditorId, tenantId, name, secretHash: sha256Hex(secret), hint: secret.slice(0, 8), at: context.at.toISOString() }, state),
    );
    // The token must authenticate as soon as the caller has it.
    await this.projector.waitFor(outcome.position);
    return { ...publicAuditor(this.model.auditors.auditor(auditorId)!), token: secret };
  }

  async revoke(context: RequestContext, tenantId: string, auditorId: string): Promise<PublicAuditor> {
    this.requireAuditor(tenantId, auditorId);
    const outcome = await this.repository.execute<Auditor, AuditorEvent>(auditorStream(tenantId, auditorId), auditorFolding, { ...context, tenant: tenantId }, ({ state }) =>
      decideAuditor({ type: 'RevokeAuditor', auditorId, tenantId, at: context.at.toISOString() }, state),
    );
    if (outcome.position > 0n) await this.projector.waitFor(outcome.position);
    return publicAuditor(this.model.auditors.auditor(auditorId)!);
  }

  list(tenantId: string): PublicAuditor[] {
    this.tenancy.requireTenant(tenantId);
    return this.model.auditors.auditorsOf(tenantId).map(publicAuditor);
  }

  private requireAuditor(tenantId: string, auditorId: string): AuditorRow {
    const auditor = this.model.auditors.auditor(auditorId);
    if (!auditor || auditor.tenantId !== tenantId) throw new NotFound(`auditor ${auditorId} does not exist in tenant ${tenantId}`);
    return auditor;
  }
}

function publicAuditor(row: AuditorRow): PublicAuditor {
  return { id: row.auditorId, tenantId: row.tenantId, name: row.name, hint: row.hint, createdAt: row.createdAt, revokedAt: row.revokedAt };
}
