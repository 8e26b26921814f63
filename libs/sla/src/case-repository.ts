import {
  decideSlaCase,
  evolveSlaCase,
  initialSlaCase,
  slaStreams,
  type SlaCase,
  type SlaCaseCommand,
  type SlaCaseEvent,
} from '@ledger/domain';
import type { EventMetadata, EventStore, ExpectedRevision } from '@ledger/eventstore';

export interface CaseOutcome {
  state: SlaCase;
  events: SlaCaseEvent[];
  /** Revision of the stream's last event after the decision, -1 when there is none. */
  revision: number;
  /** Global position of the last appended event; 0n when nothing was appended. */
  position: bigint;
  /** How many times another writer got there first and the decision was taken again. */
  conflicts: number;
}

const CACHE_LIMIT = 50_000;

/**
 * Loads a case stream, decides, and appends with the expected revision. Timer workers, process
 * manager replicas and alert dispatchers all write cases through this, so when two of them race
 * the loser decides again on the winner's events, and a breach is recorded once.
 */
export class CaseRepository {
  private readonly cache = new Map<string, { state: SlaCase; revision: number }>();
  private appendedUpTo = 0n;

  constructor(private readonly store: EventStore) {}

  /** Global position of the newest event this repository appended (0n before the first). */
  get lastAppended(): bigint {
    return this.appendedUpTo;
  }

  async load(tenant: string, caseId: string): Promise<{ state: SlaCase; revision: number }> {
    const streamId = slaStreams.case(tenant, caseId);
    const cached = this.cache.get(streamId);
    let state = cached?.state ?? initialSlaCase;
    let revision = cached?.revision ?? -1;
    const newer = await this.store.readStream(streamId, { fromRevision: revision + 1 });
    for (const event of newer) {
      state = evolveSlaCase(state, { type: event.type, data: event.data } as SlaCaseEvent);
      revision = event.revision;
    }
    this.remember(streamId, state, revision);
    return { state, revision };
  }

  /**
   * `command` sees the current state (null: nothing to do). With `expected: 'any'` the events are
   * facts that must be kept whatever else happened on the case (a delivery attempt was made); with
   * a revision, they are appended only if the stream is still there (a delivery takeover).
   */
  async execute(
    tenant: string,
    caseId: string,
    command: (state: SlaCase) => SlaCaseCommand | null,
    metadata: EventMetadata,
    options: { expected?: 'any' | number; retries?: number } = {},
  ): Promise<CaseOutcome> {
    const streamId = slaStreams.case(tenant, caseId);
    const retries = options.retries ?? 10;
    for (let conflicts = 0; ; conflicts++) {
      const loaded = await this.load(tenant, caseId);
      const decided = command(loaded.state);
      const events = decided ? decideSlaCase(decided, loaded.state) : [];
      if (events.length === 0) return { ...loaded, events, position: 0n, conflicts };
      const expected: ExpectedRevision = options.expected ?? (loaded.revision < 0 ? 'no_stream' : loaded.revision);
      try {
        const result = await this.store.append(streamId, events.map((e) => ({ type: e.type, data: e.data, metadata })), expected);
        if (result.position > this.appendedUpTo) this.appendedUpTo = result.position;
        if (options.expected === undefined) {
          const state = events.reduce(evolveSlaCase, loaded.state);
          this.remember(streamId, state, result.nextRevision);
          return { state, events, revision: result.nextRevision, position: result.position, conflicts };
        }
        this.cache.delete(streamId);
        return { state: events.reduce(evolveSlaCase, loaded.state), events, revision: result.nextRevision, position: result.position, conflicts };
      } catch (error) {
        this.cache.delete(streamId);
        // A pinned revision means "only if nothing happened since I looked": the conflict is the answer.
        if ((error as { code?: string }).code !== 'WRONG_EXPECTED_REVISION' || conflicts >= retries || typeof options.expected === 'number') throw error;
      }
    }
  }

  /** Events of a case after `revision` (what a projection at that revision has not seen yet). */
  async eventsAfter(tenant: string, caseId: string, revision: number): Promise<SlaCaseEvent[]> {
    const events = await this.store.readStream(slaStreams.case(tenant, caseId), { fromRevision: revision + 1 });
    return events.map((e) => ({ type: e.type, data: e.data }) as SlaCaseEvent);
  }

  private remember(streamId: string, state: SlaCase, revision: number): void {
    if (revision < 0) return;
    if (this.cache.size >= CACHE_LIMIT && !this.cache.has(streamId)) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.delete(streamId);
    this.cache.set(streamId, { state, revision });
  }
}
