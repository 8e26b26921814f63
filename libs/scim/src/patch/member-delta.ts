import { readAttribute } from '../shared/attribute-access';
import { isJsonObject, JsonObject } from '../shared/json';
import { asList } from '../shared/resource-values';

export interface Member {
  value: string;
  display?: string;
  type?: string;
  $ref?: string;
}

export interface MemberDelta {
  /** Members of `after` that `before` did not have, in `after` order. */
  readonly added: Member[];
  /** Ids of members of `before` that `after` no longer has, in `before` order. */
  readonly removed: string[];
}

/**
 * Membership change between two versions of a Group (before is undefined on create), used to
 * turn a PATCH or PUT into GroupMembersAdded / GroupMembersRemoved events. A member whose
 * display changed is neither added nor removed.
 */
export function memberDelta(before: JsonObject | undefined, after: JsonObject): MemberDelta {
  const previous = membersOf(before);
  const next = membersOf(after);
  const previousIds = new Set(previous.map((member) => member.value));
  const nextIds = new Set(next.map((member) => member.value));
  return {
    added: next.filter((member) => !previousIds.has(member.value)),
    removed: previous.filter((member) => !nextIds.has(member.value)).map((member) => member.value),
  };
}

export function membersOf(group: JsonObject | undefined): Member[] {
  if (!group) return [];
  const seen = new Set<string>();
  const members: Member[] = [];
  for (const record of asList(readAttribute(group, 'members'))) {
    if (!isJsonObject(record)) continue;
    const value = readAttribute(record, 'value');
    if (typeof value !== 'string' || seen.has(value)) continue;
    seen.add(value);
    const member: Member = { value };
    for (const name of ['display', 'type', '$ref'] as const) {
      const field = readAttribute(record, name);
      if (typeof field === 'string') member[name] = field;
    }
    members.push(member);
  }
  return members;
}
