import { InvalidCommand, ResourceAlreadyExists, ResourceNotFound } from '../shared/domain-error';
import type { DomainEvent } from '../shared/decider';

/** Only the secret's sha256 is ever recorded; the secret itself is shown once and forgotten. */
export type TokenIssued = DomainEvent<'TokenIssued', {
  tokenId: string;
  tenantId: string;
  name: string;
  idp: string;
  secretHash: string;
  /** First characters of the secret, so people can tell tokens apart without the secret. */
  hint: string;
  expiresAt: string | null;
  rotatedFrom: string | null;
  at: string;
}>;
export type TokenRevoked = DomainEvent<'TokenRevoked', { tokenId: string; tenantId: string; reason: string | null; at: string }>;
export type TokenExpiryChanged = DomainEvent<'TokenExpiryChanged', { tokenId: string; tenantId: string; expiresAt: string | null; at: string }>;
export type TokenEvent = TokenIssued | TokenRevoked | TokenExpiryChanged;

export type TokenCommand =
  | {
      type: 'IssueToken';
      tokenId: string;
      tenantId: string;
      name: string;
      idp: string;
      secretHash: string;
      hint: string;
      expiresAt: string | null;
      rotatedFrom: string | null;
      at: string;
    }
  | { type: 'RevokeToken'; tokenId: string; tenantId: string; reason: string | null; at: string }
  | { type: 'ExpireToken'; tokenId: string; tenantId: string; expiresAt: string | null; at: string };

export type Token =
  | { status: 'absent' }
  | { status: 'active' | 'revoked'; tokenId: string; tenantId: string; expiresAt: string | null; revokedAt: string | null };
export const initialToken: Token = { status: 'absent' };

export function decideToken(command: TokenCommand, state: Token): TokenEvent[] {
  switch (command.type) {
    case 'IssueToken': {
      if (state.status !== 'absent') throw new ResourceAlreadyExists('Token', command.tokenId);
      if (!command.name?.trim()) throw new InvalidCommand('token name is required');
      if (!/^[0-9a-f]{64}$/.test(command.secretHash)) throw new InvalidCommand('secretHash must be a sha256 hex digest');
      if (command.expiresAt !== null && Number.isNaN(Date.parse(command.expiresAt))) {
        throw new InvalidCommand('expiresAt must be an ISO-8601 time or null');
      }
      if (command.expiresAt !== null && Date.parse(command.expiresAt) <= Date.parse(command.at)) {
        throw new InvalidCommand(`expiresAt ${command.expiresAt} is not in the future: a token issued expired could never be used`);
      }
      const { type: _type, ...data } = command;
      return [{ type: 'TokenIssued', data }];
    }
    case 'RevokeToken':
      if (state.status === 'absent' || state.tenantId !== command.tenantId) throw new ResourceNotFound('Token', command.tokenId);
      if (state.status === 'revoked') return [];
      return [{ type: 'TokenRevoked', data: { tokenId: command.tokenId, tenantId: command.tenantId, reason: command.reason, at: command.at } }];
    case 'ExpireToken':
      if (state.status === 'absent' || state.tenantId !== command.tenantId) throw new ResourceNotFound('Token', command.tokenId);
      if (state.expiresAt === command.expiresAt) return [];
      return [{ type: 'TokenExpiryChanged', data: { tokenId: command.tokenId, tenantId: command.tenantId, expiresAt: command.expiresAt, at: command.at } }];
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown token command ${JSON.stringify(exhaustive)}`);
    }
  }
}

export function evolveToken(state: Token, event: TokenEvent): Token {
  switch (event.type) {
    case 'TokenIssued':
      return { status: 'active', tokenId: event.data.tokenId, tenantId: event.data.tenantId, expiresAt: event.data.expiresAt, revokedAt: null };
    case 'TokenRevoked':
      return state.status === 'absent' ? state : { ...state, status: 'revoked', revokedAt: event.data.at };
    case 'TokenExpiryChanged':
      return state.status === 'absent' ? state : { ...state, expiresAt: event.data.expiresAt };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown token event ${JSON.stringify(exhaustive)}`);
    }
  }
}
