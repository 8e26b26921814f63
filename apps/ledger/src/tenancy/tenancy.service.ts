import { Inject, Injectable } from '@nestjs/common';
import {
  decideTenant,
  decideToken,
  evolveTenant,
  evolveToken,
  initialTenant,
  initialToken,
  streams,
  type TenantEvent,
  type TokenEvent,
} from '@ledger/domain';
import { ScimReadModel, type TenantRow, type TokenRow } from '@ledger/projections';
import { randomUUID } from 'node:crypto';
import { newSecret, sha256Hex } from '../infrastructure/secrets';
import { EventSourcedRepository } from '../shared/event-sourced-repository';
import type { RequestContext } from '../shared/request-context';
import { ReadModelGate } from '../shared/read-model-gate';

const tenantFolding = { evolve: evolveTenant, initialState: initialTenant };
const tokenFolding = { evolve: evolveToken, initialState: initialToken };

export interface IssuedToken {
  id: string;
  token: string;
  name: string;
  idp: string;
  expiresAt: string | null;
  rotatedFrom: string | null;
}

/** Tenants and their IdP tokens: every change is an event on the tenant's or token's stream. */
@Injectable()
export class TenancyService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly readModel: ScimReadModel,
    private readonly gate: ReadModelGate,
  ) {}

  async createTenant(context: RequestContext, tenantId: string, name: string): Promise<TenantRow> {
    const outcome = await this.repository.execute<ReturnType<typeof evolveTenant>, TenantEvent>(
      streams.tenant(tenantId), tenantFolding, { ...context, tenant: tenantId },
      ({ state }) => decideTenant({ type: 'CreateTenant', tenantId, name, at: context.at.toISOString() }, state),
    );
    await this.gate.reached(outcome.position);
    return this.readModel.tenant(tenantId)!;
  }

  async setSuspended(context: RequestContext, tenantId: string, suspended: boolean, reason: string | null): Promise<TenantRow> {
    const at = context.at.toISOString();
    const outcome = await this.repository.execute<ReturnType<typeof evolveTenant>, TenantEvent>(
      streams.tenant(tenantId), tenantFolding, { ...context, tenant: tenantId },
      ({ state }) => decideTenant(suspended ? { type: 'SuspendTenant', tenantId, reason, at } : { type: 'ResumeTenant', tenantId, at }, state),
    );
    await this.gate.reached(outcome.position);
    return this.readModel.tenant(tenantId)!;
  }

  async setRequestRetention(context: RequestContext, tenantId: string, requestRetentionDays: number | null): Promise<{ tenantId: string; requestRetentionDays: number | null }> {
    const outcome = await this.repository.execute<ReturnType<typeof evolveTenant>, TenantEvent>(
      streams.tenant(tenantId), tenantFolding, { ...context, tenant: tenantId },
      ({ state }) => decideTenant({ type: 'SetRequestRetention', tenantId, requestRetentionDays, at: context.at.toISOString() }, state),
    );
    await this.gate.reached(outcome.position);
    return { tenantId, requestRetentionDays: this.readModel.requestRetentionDays(tenantId) };
  }

  async issueToken(
    context: RequestContext,
    tenantId: string,
    request: { name: string; idp: string; expiresAt: string | null; rotatedFrom?: string | null },
  ): Promise<IssuedToken> {
    this.requireTenant(tenantId);
    if (request.rotatedFrom) this.requireToken(tenantId, request.rotatedFrom);
    const tokenId = randomUUID();
    const secret = newSecret('scim_');
    const outcome = await this.repository.execute<ReturnType<typeof evolveToken>, TokenEvent>(
      streams.token(tenantId, tokenId), tokenFolding, { ...context, tenant: tenantId },
      ({ state }) =>
        decideToken({
          type: 'IssueToken', tokenId, tenantId, name: request.name, idp: request.idp, secretHash: sha256Hex(secret),
          hint: secret.slice(0, 9), expiresAt: request.expiresAt, rotatedFrom: request.rotatedFrom ?? null, at: context.at.toISOString(),
        }, state),
    );
    await this.gate.reached(outcome.position);
    return { id: tokenId, token: secret, name: request.name, idp: request.idp, expiresAt: request.expiresAt, rotatedFrom: request.rotatedFrom ?? null };
  }

  async revokeToken(context: RequestContext, tenantId: string, tokenId: string, reason: string | null): Promise<TokenRow> {
    this.requireToken(tenantId, tokenId);
    const outcome = await this.repository.execute<ReturnType<typeof evolveToken>, TokenEvent>(
      streams.token(tenantId, tokenId), tokenFolding, { ...context, tenant: tenantId },
      ({ state }) => decideToken({ type: 'RevokeToken', tokenId, tenantId, reason, at: context.at.toISOString() }, state),
    );
    await this.gate.reached(outcome.position);
    return this.readModel.token(tokenId)!;
  }

  async setTokenExpiry(context: RequestContext, tenantId: string, tokenId: string, expiresAt: string | null): Promise<TokenRow> {
    this.requireToken(tenantId, tokenId);
    const outcome = await this.repository.execute<ReturnType<typeof evolveToken>, TokenEvent>(
      streams.token(tenantId, tokenId), tokenFolding, { ...context, tenant: tenantId },
      ({ state }) => decideToken({ type: 'ExpireToken', tokenId, tenantId, expiresAt, at: context.at.toISOString() }, state),
    );
    await this.gate.reached(outcome.position);
    return this.readModel.token(tokenId)!;
  }

  requireTenant(tenantId: string): TenantRow {
    const tenant = this.readModel.tenant(tenantId);
    if (!tenant) throw new NotFound(`tenant ${tenantId} does not exist`);
    return tenant;
  }

  private requireToken(tenantId: string, tokenId: string): TokenRow {
    const token = this.readModel.token(tokenId);
    if (!token || token.tenantId !== tenantId) throw new NotFound(`token ${tokenId} does not exist in tenant ${tenantId}`);
    return token;
  }
}

export class NotFound extends Error {
  readonly code = 'NOT_FOUND';
}
