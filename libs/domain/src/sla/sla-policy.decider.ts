import { sameValue, type Decider, type DomainEvent } from '../shared/decider';
import { parseSlaPolicy, type SlaPolicy } from './sla-policy';

/** One version of a tenant's SLA policy, on `slaPolicy-<tenant>`. Cases keep the version they opened under. */
export type SlaPolicySet = DomainEvent<'SlaPolicySet', { tenant: string; version: number; policy: SlaPolicy; at: string }>;
export type SlaPolicyEvent = SlaPolicySet;

export interface SetSlaPolicy {
  type: 'SetSlaPolicy';
  tenant: string;
  /** The document as received; validated here. */
  policy: unknown;
  at: string;
}
export type SlaPolicyCommand = SetSlaPolicy;

export interface SlaPolicyState {
  version: number;
  policy: SlaPolicy | null;
  setAt: string | null;
}

export const initialSlaPolicy: SlaPolicyState = { version: 0, policy: null, setAt: null };

export function decideSlaPolicy(command: SlaPolicyCommand, state: SlaPolicyState): SlaPolicyEvent[] {
  switch (command.type) {
    case 'SetSlaPolicy': {
      const policy = parseSlaPolicy(command.policy);
      // The same document again is not a new version: open cases and reports stay on one number.
      if (state.policy !== null && sameValue(state.policy, policy)) return [];
      return [{ type: 'SlaPolicySet', data: { tenant: command.tenant, version: state.version + 1, policy, at: command.at } }];
    }
    default: {
      const exhaustive: never = command.type;
      throw new Error(`unknown SLA policy command ${String(exhaustive)}`);
    }
  }
}

export function evolveSlaPolicy(state: SlaPolicyState, event: SlaPolicyEvent): SlaPolicyState {
  switch (event.type) {
    case 'SlaPolicySet':
      return { version: event.data.version, policy: event.data.policy, setAt: event.data.at };
    default: {
      const exhaustive: never = event.type;
      throw new Error(`unknown SLA policy event ${String(exhaustive)}`);
    }
  }
}

export const slaPolicyDecider: Decider<SlaPolicyCommand, SlaPolicyState, SlaPolicyEvent> = {
  decide: decideSlaPolicy,
  evolve: evolveSlaPolicy,
  initialState: initialSlaPolicy,
};
