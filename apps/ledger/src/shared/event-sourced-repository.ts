import { Inject, Injectable } from '@nestjs/common';
import type { DomainEvent } from '@ledger/domain';
import { WrongExpectedRevision, type AppendResult, type EventStore, type ExpectedRevision } from '@ledger/eventstore';
import { EVENT_STORE } from '../infrastructure/tokens';
import { metadataOf, type RequestContext } from './request-context';

export interface Folding<State, Event> {
  evolve(state: State, event: Event): State;
  initialState: State;
}

export interface Loaded<State> {
  state: State;
  /** Revision of the stream's last event, -1 when the stream does not exist. */
  revision: number;
}

export interface Outcome<State, Event> extends Loaded<State> {
  events: Event[];
  /** Global position of the last appended event; 0n when nothing was appended. */
  position: bigint;
}

interface CachedState {
  state: unknown;
  revision: number;
}

const CACHE_LIMIT = 20_000;

/**
 * Attempts a write without If-Match gets against concurrent writers of its stream. IdPs send
 * unconditional writes in parallel (Entra ID pushes membership changes of one group from
 * several threads): each round of conflicts lets at least one writer through, so this covers
 * dozens of simultaneous writers before a client ever sees a conflict.
 */
export const CONFLICT_RETRIES = 40;

/** Waits a little before retrying a conflicted write, randomised so that the losers do not collide again in lockstep. */
export function afterConflict(attempt: number): Promise<void> {
  const ceilingMs = Math.min(2 ** Math.min(attempt, 5), 25);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceilingMs));
}

/**
 * The only place that loads a stream, runs a decision and appends its events with the expected
 * revision. Folded states are cached by stream and topped up with newer events, so a large
 * group is not replayed from scratch on every PATCH.
 */
@Injectable()
export class EventSourcedRepository {
  private readonly cache = new Map<string, CachedState>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load<State, Event>(streamId: string, folding: Folding<State, Event>): Promise<Loaded<State>> {
    const cached = this.cache.get(streamId);
    let state = (cached?.state as State | undefined) ?? folding.initialState;
    let revision = cached?.revision ?? -1;
    const newer = await this.store.readStream(streamId, { fromRevision: revision + 1 });
    for (const event of newer) {
      state = folding.evolve(state, { type: event.type, data: event.data } as Event);
      revision = event.revision;
    }
    if (newer.length > 0 || !cached) this.remember(streamId, { state, revision });
    return { state, revision };
  }

  /**
   * Decides on fresh state and appends. On a concurrent write the decision is retried on the
   * newer state (`retries` times), unless the caller pinned a version (If-Match), in which case
   * the conflict goes back to the caller.
   */
  async execute<State, Event extends DomainEvent>(
    streamId: string,
    folding: Folding<State, Event>,
    context: RequestContext,
    decide: (loaded: Loaded<State>) => Event[] | Promise<Event[]>,
    options: { retries?: number; expected?: ExpectedRevision; fresh?: boolean } = {},
  ): Promise<Outcome<State, Event>> {
    const retries = options.retries ?? CONFLICT_RETRIES;
    for (let attempt = 0; ; attempt++) {
      // `fresh`: a stream that cannot exist yet (named after an id minted for this command) or
      // seldom does (a uniqueness claim of a new value) is decided on without a read; no_stream
      // (below) guards the assumption, and a conflict decides again on what the stream holds.
      const loaded = options.fresh && attempt === 0 ? { state: folding.initialState, revision: -1 } : await this.load(streamId, folding);
      const events = await decide(loaded);
      if (events.length === 0) return { ...loaded, events, position: 0n };
      const expected = options.expected ?? (loaded.revision < 0 ? 'no_stream' : loaded.revision);
      let result: AppendResult;
      try {
        const metadata = metadataOf(context);
        result = await this.store.append(streamId, events.map((e) => ({ type: e.type, data: e.data, metadata })), expected);
      } catch (error) {
        this.cache.delete(streamId);
        if (!(error instanceof WrongExpectedRevision) || attempt >= retries || options.expected !== undefined) throw error;
        await afterConflict(attempt);
        continue;
      }
      const state = events.reduce(folding.evolve, loaded.state);
      this.remember(streamId, { state, revision: result.nextRevision });
      if (context.produced) context.produced.push(...(await this.producedBy(streamId, events, result)));
      return { state, revision: result.nextRevision, events, position: result.position };
    }
  }

  /**
   * Each appended event with its own global position, for the request ledger. The store answers
   * with the last event's position only, and positions of one append need not be consecutive
   * (EventStoreDB), so an append of several events reads them back.
   */
  private async producedBy(streamId: string, events: DomainEvent[], result: AppendResult): Promise<Array<{ streamId: string; type: string; position: string }>> {
    const lastOnly = () => events.map((event) => ({ streamId, type: event.type, position: result.position.toString() }));
    if (events.length === 1) return lastOnly();
    try {
      const written = await this.store.readStream(streamId, { fromRevision: result.nextRevision - events.length + 1, maxCount: events.length });
      return written.map((event) => ({ streamId, type: event.type, position: event.position.toString() }));
    } catch {
      // The write is done and must be answered as done; the ledger then names the append's position for each.
      return lastOnly();
    }
  }

  private remember(streamId: string, entry: CachedState): void {
    if (this.cache.size >= CACHE_LIMIT && !this.cache.has(streamId)) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.delete(streamId);
    this.cache.set(streamId, entry);
  }
}
