import { UniquenessViolation } from '../shared/domain-error';
import type { DomainEvent } from '../shared/decider';

/**
 * A claim makes a value (a userName, an externalId) unique per tenant with nothing but a stream
 * and an expected revision, so it holds on any store and across API replicas.
 */
export type ValueClaimed = DomainEvent<'ValueClaimed', { attribute: ClaimedAttribute; value: string; ownerId: string; at: string }>;
export type ValueReleased = DomainEvent<'ValueReleased', {
  attribute: ClaimedAttribute;
  value: string;
  ownerId: string;
  reason: 'renamed' | 'deleted' | 'abandoned';
  at: string;
}>;
export type ClaimEvent = ValueClaimed | ValueReleased;
export type ClaimedAttribute = 'userName' | 'externalId';

export type Claim = { holder: null } | { holder: string; claimedAt: string };
export const initialClaim: Claim = { holder: null };

export interface ClaimValue {
  type: 'ClaimValue';
  attribute: ClaimedAttribute;
  value: string;
  ownerId: string;
  at: string;
  /**
   * Whether the current holder's resource exists. A holder that never got created (the process
   * died between claim and create) gives the claim up once `abandonAfterMs` has passed.
   */
  holderExists: boolean;
  abandonAfterMs: number;
}

export interface ReleaseValue {
  type: 'ReleaseValue';
  attribute: ClaimedAttribute;
  value: string;
  ownerId: string;
  reason: 'renamed' | 'deleted' | 'abandoned';
  at: string;
}

export type ClaimCommand = ClaimValue | ReleaseValue;

export function decideClaim(command: ClaimCommand, state: Claim): ClaimEvent[] {
  switch (command.type) {
    case 'ClaimValue': {
      const claimed: ValueClaimed = {
        type: 'ValueClaimed',
        data: { attribute: command.attribute, value: command.value, ownerId: command.ownerId, at: command.at },
      };
      if (state.holder === null) return [claimed];
      if (state.holder === command.ownerId) return [];
      const abandoned = !command.holderExists && Date.parse(command.at) - Date.parse(state.claimedAt) > command.abandonAfterMs;
      if (!abandoned) throw new UniquenessViolation(command.attribute, command.value, state.holder);
      return [
        {
          type: 'ValueReleased',
          data: { attribute: command.attribute, value: command.value, ownerId: state.holder, reason: 'abandoned', at: command.at },
        },
        claimed,
      ];
    }
    case 'ReleaseValue':
      if (state.holder !== command.ownerId) return [];
      return [{
        type: 'ValueReleased',
        data: { attribute: command.attribute, value: command.value, ownerId: command.ownerId, reason: command.reason, at: command.at },
      }];
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown claim command ${JSON.stringify(exhaustive)}`);
    }
  }
}

export function evolveClaim(_state: Claim, event: ClaimEvent): Claim {
  switch (event.type) {
    case 'ValueClaimed':
      return { holder: event.data.ownerId, claimedAt: event.data.at };
    case 'ValueReleased':
      return { holder: null };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown claim event ${JSON.stringify(exhaustive)}`);
    }
  }
}
