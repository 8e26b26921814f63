import { evolveGroup, evolveUser, initialGroup, initialUser, streamCategory, type GroupEvent, type UserEvent } from '@ledger/domain';
import type { EventStore } from '@ledger/eventstore';

/** A resource's state just before one revision and just after another, folded from its own stream. */
export async function stateAround(store: EventStore, streamId: string, firstRevision: number, lastRevision: number) {
  const events = await store.readStream(streamId, { maxCount: lastRevision + 1 });
  const category = streamCategory(streamId);
  const fold = (upTo: number) => {
    const slice = events.filter((e) => e.revision <= upTo).map((e) => ({ type: e.type, data: e.data }));
    if (category === 'user') return slice.reduce((s, e) => evolveUser(s, e as UserEvent), initialUser);
    if (category === 'group') {
      const group = slice.reduce((s, e) => evolveGroup(s, e as GroupEvent), initialGroup);
      return group.status === 'absent' ? group : { ...group, members: [...group.members.keys()] };
    }
    return null;
  };
  return { before: fold(firstRevision - 1), after: fold(lastRevision) };
}
