import { evolveUser, initialUser, type User, type UserEvent } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/eventstore';
import { attributeChanges } from './attribute-history.projection';
import { sourceOf, timeOf, type EventSource } from './event-source';

export type PresentUserState = Exclude<User, { status: 'absent' }>;

export interface AttributeProvenance extends EventSource {
  /** True when the attribute was removed (it is then absent from the resource). */
  removed?: true;
}

export type UserAt =
  | { status: 'absent'; at: string; createdAt: string | null }
  | { status: 'deleted'; at: string; deletedAt: string; deletedBy: EventSource; lastState: PresentUserState }
  | {
      status: 'present';
      at: string;
      user: PresentUserState;
      /** Per attribute, the event that last set (or removed) it. */
      provenance: Record<string, AttributeProvenance>;
      createdBy: EventSource;
      lastModifiedBy: EventSource;
      /** Revision of the last event folded: the stream prefix this answer stands on. */
      revision: number;
    };

/**
 * Time travel: the user as it was at `at`, folded from the user's own stream with the same
 * evolve the SCIM service uses. The answer stands on the stream prefix recorded at or before
 * `at`; folding stops at the first later event, so the stream's order stays authoritative.
 */
export function userAt(events: readonly RecordedEvent[], at: string): UserAt {
  const limit = Date.parse(at);
  let state: User = initialUser;
  const provenance: Record<string, AttributeProvenance> = {};
  let createdBy: EventSource | null = null;
  let lastModifiedBy: EventSource | null = null;
  let deletedBy: EventSource | null = null;
  let lastPresent: PresentUserState | null = null;
  let revision = -1;
  for (const event of events) {
    if (Date.parse(timeOf(event)) > limit) break;
    state = evolveUser(state, { type: event.type, data: event.data } as UserEvent);
    revision = event.revision;
    if (event.type === 'UserRecreateRefused') continue;
    const source = sourceOf(event);
    if (event.type === 'UserProvisioned') createdBy = source;
    if (event.type === 'UserDeleted') deletedBy = source;
    lastModifiedBy = source;
    for (const change of attributeChanges(event)) {
      if (change.kind === 'set') provenance[change.attribute] = source;
      else if (change.kind === 'removed') provenance[change.attribute] = { ...source, removed: true };
    }
    if (state.status === 'present') lastPresent = state;
  }
  const iso = new Date(limit).toISOString();
  if (state.status === 'absent') {
    const first = events.find((e) => e.type === 'UserProvisioned');
    return { status: 'absent', at: iso, createdAt: first ? timeOf(first) : null };
  }
  if (state.status === 'deleted') {
    return { status: 'deleted', at: iso, deletedAt: deletedBy!.at, deletedBy: deletedBy!, lastState: lastPresent! };
  }
  return { status: 'present', at: iso, user: state, provenance, createdBy: createdBy!, lastModifiedBy: lastModifiedBy!, revision };
}
