import { InvalidCommand, ResourceAlreadyExists, ResourceNotFound } from '../shared/domain-error';
import type { DomainEvent } from '../shared/decider';

export type TenantCreated = DomainEvent<'TenantCreated', { tenantId: string; name: string; at: string }>;
export type TenantSuspended = DomainEvent<'TenantSuspended', { tenantId: string; reason: string | null; at: string }>;
export type TenantResumed = DomainEvent<'TenantResumed', { tenantId: string; at: string }>;
/** How long the request ledger index keeps requests; null keeps them for ever (the default). */
export type TenantRetentionSet = DomainEvent<'TenantRetentionSet', { tenantId: string; requestRetentionDays: number | null; at: string }>;
export type TenantEvent = TenantCreated | TenantSuspended | TenantResumed | TenantRetentionSet;

export type TenantCommand =
  | { type: 'CreateTenant'; tenantId: string; name: string; at: string }
  | { type: 'SuspendTenant'; tenantId: string; reason: string | null; at: string }
  | { type: 'ResumeTenant'; tenantId: string; at: string }
  | { type: 'SetRequestRetention'; tenantId: string; requestRetentionDays: number | null; at: string };

export type Tenant =
  | { status: 'absent' }
  | { status: 'active' | 'suspended'; tenantId: string; name: string; createdAt: string; requestRetentionDays: number | null };
export const initialTenant: Tenant = { status: 'absent' };

/** Tenant ids appear in URLs and stream names: lowercase letters, digits and inner dashes only. */
export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function decideTenant(command: TenantCommand, state: Tenant): TenantEvent[] {
  switch (command.type) {
    case 'CreateTenant':
      if (!TENANT_ID_PATTERN.test(command.tenantId)) {
        throw new InvalidCommand('tenant id must be 1-63 lowercase letters, digits or dashes, not starting or ending with a dash');
      }
      if (state.status !== 'absent') throw new ResourceAlreadyExists('Tenant', command.tenantId);
      return [{ type: 'TenantCreated', data: { tenantId: command.tenantId, name: command.name || command.tenantId, at: command.at } }];
    case 'SuspendTenant':
      if (state.status === 'absent') throw new ResourceNotFound('Tenant', command.tenantId);
      if (state.status === 'suspended') return [];
      return [{ type: 'TenantSuspended', data: { tenantId: command.tenantId, reason: command.reason, at: command.at } }];
    case 'ResumeTenant':
      if (state.status === 'absent') throw new ResourceNotFound('Tenant', command.tenantId);
      if (state.status === 'active') return [];
      return [{ type: 'TenantResumed', data: { tenantId: command.tenantId, at: command.at } }];
    case 'SetRequestRetention': {
      if (state.status === 'absent') throw new ResourceNotFound('Tenant', command.tenantId);
      const days = command.requestRetentionDays;
      if (days !== null && (!Number.isInteger(days) || days < 1)) throw new InvalidCommand('requestRetentionDays must be a whole number of days (1 or more) or null for unlimited');
      if (state.requestRetentionDays === days) return [];
      return [{ type: 'TenantRetentionSet', data: { tenantId: command.tenantId, requestRetentionDays: days, at: command.at } }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown tenant command ${JSON.stringify(exhaustive)}`);
    }
  }
}

export function evolveTenant(state: Tenant, event: TenantEvent): Tenant {
  switch (event.type) {
    case 'TenantCreated':
      return { status: 'active', tenantId: event.data.tenantId, name: event.data.name, createdAt: event.data.at, requestRetentionDays: null };
    case 'TenantSuspended':
      return state.status === 'absent' ? state : { ...state, status: 'suspended' };
    case 'TenantResumed':
      return state.status === 'absent' ? state : { ...state, status: 'active' };
    case 'TenantRetentionSet':
      return state.status === 'absent' ? state : { ...state, requestRetentionDays: event.data.requestRetentionDays };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown tenant event ${JSON.stringify(exhaustive)}`);
    }
  }
}
