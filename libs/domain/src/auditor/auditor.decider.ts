import { InvalidCommand, ResourceAlreadyExists, ResourceNotFound } from '../shared/domain-error';
import type { Decider, DomainEvent } from '../shared/decider';

/**
 * Auditor credentials: read-only access to one tenant's audit API. Like IdP tokens, only the
 * secret's sha256 is ever recorded.
 */
export type AuditorIssued = DomainEvent<'AuditorIssued', {
  auditorId: string;
  tenantId: string;
  name: string;
  secretHash: string;
  /** First characters of the secret, so people can tell credentials apart. */
  hint: string;
  at: string;
}>;
export type AuditorRevoked = DomainEvent<'AuditorRevoked', { auditorId: string; tenantId: string; at: string }>;
export type AuditorEvent = AuditorIssued | AuditorRevoked;

export type AuditorCommand =
  | { type: 'IssueAuditor'; auditorId: string; tenantId: string; name: string; secretHash: string; hint: string; at: string }
  | { type: 'RevokeAuditor'; auditorId: string; tenantId: string; at: string };

export type Auditor =
  | { status: 'absent' }
  | { status: 'active' | 'revoked'; auditorId: string; tenantId: string; name: string; revokedAt: string | null };

export const initialAuditor: Auditor = { status: 'absent' };

export const AUDITOR_EVENT_TYPES: ReadonlyArray<AuditorEvent['type']> = ['AuditorIssued', 'AuditorRevoked'];

export function auditorStream(tenant: string, auditorId: string): string {
  return `auditor-${tenant}:${auditorId}`;
}

export function decideAuditor(command: AuditorCommand, state: Auditor): AuditorEvent[] {
  switch (command.type) {
    case 'IssueAuditor': {
      if (state.status !== 'absent') throw new ResourceAlreadyExists('Token', command.auditorId);
      if (!command.name?.trim()) throw new InvalidCommand('auditor name is required');
      if (!/^[0-9a-f]{64}$/.test(command.secretHash)) throw new InvalidCommand('secretHash must be a sha256 hex digest');
      const { type: _type, ...data } = command;
      return [{ type: 'AuditorIssued', data: { ...data, name: command.name.trim() } }];
    }
    case 'RevokeAuditor':
      if (state.status === 'absent' || state.tenantId !== command.tenantId) throw new ResourceNotFound('Token', command.auditorId);
      if (state.status === 'revoked') return [];
      return [{ type: 'AuditorRevoked', data: { auditorId: command.auditorId, tenantId: command.tenantId, at: command.at } }];
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown auditor command ${JSON.stringify(exhaustive)}`);
    }
  }
}

export function evolveAuditor(state: Auditor, event: AuditorEvent): Auditor {
  switch (event.type) {
    case 'AuditorIssued':
      return { status: 'active', auditorId: event.data.auditorId, tenantId: event.data.tenantId, name: event.data.name, revokedAt: null };
    case 'AuditorRevoked':
      return state.status === 'absent' ? state : { ...state, status: 'revoked', revokedAt: event.data.at };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown auditor event ${JSON.stringify(exhaustive)}`);
    }
  }
}

export const auditorDecider: Decider<AuditorCommand, Auditor, AuditorEvent> = {
  decide: decideAuditor,
  evolve: evolveAuditor,
  initialState: initialAuditor,
};
