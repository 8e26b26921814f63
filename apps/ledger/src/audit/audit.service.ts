import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { streams } from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/eventstore';
import {
  attributeHistoryPage,
  AuditProjector,
  AuditReadModel,
  sourceOfEntry,
  userAt,
  type AttributeProvenance,
  type ChangeEntry,
  type EventSource,
  type IdentifierKind,
  type MembershipInterval,
  type UserAt,
} from '@ledger/projections';
import { EVENT_STORE } from '../infrastructure/tokens';
import { userResource, type ScimResource } from '../scim/resource-mapper';
import { encodeChangesCursor } from './audit-query';
import { eventView, type EventView } from './audit-views';

/** How long an audit read waits for the projections to reach the log's head before answering anyway. */
const CATCH_UP_MS = 2_000;

export interface Membership {
  groupId: string;
  displayName: string | null;
  /** `indirect`: through a group that is itself a member (RFC 7643 §4.1.2), named by `via`. */
  type: 'direct' | 'indirect';
  /** The group, itself a member of this one, through which the user belongs; direct memberships have none. */
  via?: string;
  /** Since when the user belonged: for an indirect membership, since when every link of its path held. */
  since: string;
  /** The event that added the user (direct) or the `via` group (indirect) to this group. */
  addedBy: EventSource;
}

export interface UserStateAnswer {
  id: string;
  at: string;
  resource: ScimResource;
  provenance: Record<string, AttributeProvenance>;
  groups: Membership[];
  createdBy: EventSource;
  lastModifiedBy: EventSource;
  /** The stream prefix the answer is folded from: events 0..revision of streamId. */
  basedOn: { streamId: string; revision: number };
}

export interface Page<T> {
  /** The [from, to) the page was filtered to, when it was. */
  period?: { from: string | null; to: string | null };
  itemsPerPage: number;
  nextCursor: string | null;
  Resources: T[];
}

export interface ChangeView extends Omit<ChangeEntry, 'position'> {
  position: string;
  data: unknown;
}

export interface IdentifierHolder {
  userId: string;
  from: string;
  to: string | null;
  closedBecause: string | null;
}

/** What users/by-username/{value}/{view} and by-external-id can answer about the resolved user. */
export const IDENTIFIER_VIEWS = ['state', 'access', 'history', 'membership-history'] as const;

export const DRIFT_LISTS = ['stale', 'createdOutsideScim', 'reenabled', 'externalIdChanges', 'recreateRefused'] as const;
export type DriftList = (typeof DRIFT_LISTS)[number];

export interface StreamHistoryQuery {
  from?: string;
  to?: string;
  types?: string[];
  cursor?: number;
  count: number;
}

/** Audit questions: answered from the user's own stream (time travel) and the audit read models. */
@Injectable()
export class AuditService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly model: AuditReadModel,
    private readonly projector: AuditProjector,
  ) {}

  /** Reads that use projections first let them reach what is already in the log. */
  async consistent(): Promise<void> {
    await this.projector.catchUpToHead(CATCH_UP_MS);
  }

  /** Time travel: the user's own stream folded up to `at`. */
  async foldUser(tenant: string, userId: string, at: string): Promise<UserAt> {
    return userAt(await this.store.readStream(streams.user(tenant, userId)), at);
  }

  async userState(tenant: string, userId: string, at: string, baseUrl: string): Promise<UserStateAnswer> {
    const folded = await this.foldUser(tenant, userId, at);
    if (folded.status !== 'present') throw userNotThere(userId, folded);
    await this.consistent();
    const groups = this.groupsAt(tenant, userId, at);
    const user = folded.user;
    const resource = userResource(
      user,
      baseUrl,
      groups.map((g) => ({ groupId: g.groupId, displayName: g.displayName ?? g.groupId, direct: g.type === 'direct' })),
    );
    return {
      id: userId,
      at: folded.at,
      resource,
      provenance: folded.provenance,
      groups,
      createdBy: folded.createdBy,
      lastModifiedBy: folded.lastModifiedBy,
      basedOn: { streamId: streams.user(tenant, userId), revision: folded.revision },
    };
  }

  async access(tenant: string, userId: string, at: string) {
    const folded = await this.foldUser(tenant, userId, at);
    if (folded.status === 'absent') throw userNotThere(userId, folded);
    await this.consistent();
    const groups = this.groupsAt(tenant, userId, at);
    if (folded.status === 'deleted') {
      return {
        id: userId, at: folded.at, status: 'deleted' as const, userName: folded.lastState.userName, active: false,
        deletedAt: folded.deletedAt, deletedBy: folded.deletedBy, groups,
      };
    }
    return {
      id: userId, at: folded.at, status: 'present' as const, userName: folded.user.userName, active: folded.user.active,
      activeSetBy: folded.provenance['active'] ?? null, groups,
    };
  }

  /**
   * The user that held a userName / externalId at the instant (names are reused after deletes).
   * When nobody held it then but its last holder before the instant was deleted, that leaver is
   * the answer: "deleted, no access" is what an auditor asking about the name needs to see.
   */
  async resolve(tenant: string, identifier: IdentifierKind, value: string, at: string): Promise<{ userId: string; holders: IdentifierHolder[] }> {
    await this.consistent();
    const ever = this.model.attributes.holders(tenant, identifier, value);
    const holders = ever.map((h) => ({ userId: h.userId, from: h.from, to: h.to, closedBecause: h.closedBecause }));
    const now = this.model.attributes.holdersAt(tenant, identifier, value, at);
    if (now.length > 0) return { userId: now[0]!.userId, holders };
    const before = ever.filter((h) => h.from <= at);
    const last = before[before.length - 1];
    if (last && last.closedBecause === 'deleted') return { userId: last.userId, holders };
    const detail = ever.length === 0
      ? `no user has ever had ${identifier} "${value}"`
      : `held by ${ever.map((h) => `user ${h.userId} from ${h.from} to ${h.to ?? 'now'}`).join('; ')}`;
    throw new NotFoundException({
      statusCode: 404,
      error: 'NOT_FOUND',
      message: `no user had ${identifier} "${value}" at ${at} (${detail})`,
      holders,
    });
  }

  /**
   * Members of a group at the instant. `effective`: the users that hold the group's access, directly
   * or through groups nested in it (RFC 7643 §4.1.2), each once; nested groups themselves are not
   * listed. A user both direct and nested counts as direct.
   */
  async groupMembers(tenant: string, groupId: string, at: string, page: { startIndex: number; count: number; effective: boolean }) {
    await this.consistent();
    const membership = this.model.membership;
    const group = membership.groupAt(tenant, groupId, at);
    if (!group) throw this.groupNotThere(tenant, groupId, at);
    const members = page.effective ? this.effectiveMembersAt(tenant, groupId, at) : membership.membersAt(tenant, groupId, at).map((m) => ({ m, via: undefined }));
    const slice = members.slice(page.startIndex - 1, page.startIndex - 1 + page.count);
    return {
      id: groupId,
      displayName: group.displayName,
      at,
      effective: page.effective,
      totalResults: members.length,
      startIndex: page.startIndex,
      itemsPerPage: slice.length,
      members: slice.map(({ m, via, since, addedBy, type: known }: { m: MembershipInterval; via?: string; since?: string; addedBy?: EventSource; type?: string }) => {
        const type = known ?? this.memberTypeAt(tenant, m, at);
        // What the IdP sent as display, else who the member was then: its userName at that instant.
        const display = m.display ?? (type === 'User' ? this.model.attributes.identifierAt(tenant, m.memberId, 'userName', at) : null);
        return { value: m.memberId, type, ...(display ? { display } : {}), since: since ?? m.from, addedBy: addedBy ?? m.openedBy, ...(via ? { via } : {}) };
      }),
    };
  }

  /** Every direct membership interval of the user, newest first: joins and leaves, and which request did each. */
  async membershipHistory(tenant: string, userId: string, page: { offset: number; count: number }) {
    await this.requireHistory(streams.user(tenant, userId), 'User', userId);
    await this.consistent();
    const membership = this.model.membership;
    const intervals = membership.intervalsOfMember(tenant, userId).reverse();
    const now = new Date().toISOString();
    const slice = intervals.slice(page.offset, page.offset + page.count);
    const end = page.offset + slice.length;
    return {
      id: userId,
      totalResults: intervals.length,
      itemsPerPage: slice.length,
      nextCursor: end < intervals.length ? String(end) : null,
      Resources: slice.map((m) => ({
        groupId: m.groupId,
        // The group's name at the end of the interval, or now for a membership still open.
        displayName: membership.groupAt(tenant, m.groupId, m.to ? new Date(Date.parse(m.to) - 1).toISOString() : now)?.displayName ?? null,
        from: m.from, to: m.to, closedBecause: m.closedBecause, openedBy: m.openedBy, closedBy: m.closedBy,
      })),
    };
  }

  /** A stream's events, newest first, filtered by time and type, paged by revision. */
  async history(streamId: string, kind: 'User' | 'Group', id: string, query: StreamHistoryQuery): Promise<Page<EventView>> {
    await this.requireHistory(streamId, kind, id);
    await this.consistent();
    const rows = this.model.changes.streamPage({
      streamId, from: query.from, to: query.to, types: query.types, beforeRevision: query.cursor, limit: query.count + 1,
    });
    const page = rows.slice(0, query.count);
    const events = await this.eventsOf(page);
    return {
      ...(query.from !== undefined || query.to !== undefined ? { period: { from: query.from ?? null, to: query.to ?? null } } : {}),
      itemsPerPage: page.length,
      nextCursor: rows.length > query.count ? String(page[page.length - 1]!.revision) : null,
      Resources: events.map(eventView),
    };
  }

  /** Every value an attribute (or all attributes) took, newest first, with the event that set it. */
  async attributeHistory(tenant: string, userId: string, query: { attribute?: string; cursor?: bigint; count: number }) {
    const streamId = streams.user(tenant, userId);
    await this.requireHistory(streamId, 'User', userId);
    // From the user's own stream, as its state at an instant is, read from the newest end. The
    // cursor is a log position; the changes index says which revision of this stream holds it,
    // so a later page starts there. A cursor it does not know (yet) is honoured by position.
    const cursorAt = query.cursor === undefined ? null : this.model.changes.source(query.cursor);
    const startRevision = cursorAt?.streamId === streamId ? cursorAt.revision - 1 : undefined;
    const { entries, more } = await attributeHistoryPage(
      (fromRevision, maxCount) => this.store.readStream(streamId, { direction: 'backwards', fromRevision, maxCount }),
      { attribute: query.attribute, before: query.cursor, limit: query.count, startRevision },
    );
    const last = entries[entries.length - 1];
    return {
      id: userId,
      itemsPerPage: entries.length,
      // A full page has a next one only if something older is left: no cursor to an empty page.
      nextCursor: more && last ? last.position.toString() : null,
      Resources: entries.map(({ position: _position, ...entry }) => entry),
    };
  }

  async changes(query: { tenant: string; from: string; to: string; types?: string[]; categories?: string[]; after?: { at: string; position: bigint }; count: number }) {
    await this.consistent();
    const rows = this.model.changes.changes({ ...query, limit: query.count + 1 });
    const page = rows.slice(0, query.count);
    const events = await this.eventsOf(page);
    const last = page[page.length - 1];
    return {
      period: { from: query.from, to: query.to },
      // Counting a year of changes is a scan: done once, on the first page.
      totalResults: query.after ? null : this.model.changes.countChanges(query),
      itemsPerPage: page.length,
      nextCursor: rows.length > query.count && last ? encodeChangesCursor(last.at, last.position) : null,
      Resources: page.map((row, i): ChangeView => ({ ...row, position: row.position.toString(), data: events[i]!.data })),
    };
  }

  async drift(tenant: string, options: { staleDays: number; now: Date; from: string; to: string; count: number; list?: DriftList; startIndex: number }) {
    await this.consistent();
    const cutoff = new Date(options.now.getTime() - options.staleDays * 86_400_000).toISOString();
    const offset = options.startIndex - 1;
    const wanted = (list: DriftList) => options.list === undefined || options.list === list;
    const stale = wanted('stale') ? this.model.activity.stale(tenant, cutoff, options.count, offset) : undefined;
    const outside = wanted('createdOutsideScim') ? this.model.activity.createdOutsideScim(tenant, options.count, offset) : undefined;
    const period = { tenant, from: options.from, to: options.to };
    const eventsOfType = async (list: DriftList, type: string) => {
      if (!wanted(list)) return undefined;
      const rows = this.model.changes.changes({ ...period, types: [type], limit: options.count, offset });
      const events = await this.eventsOf(rows);
      return { total: this.model.changes.countChanges({ ...period, types: [type] }), rows, events };
    };
    const paged = (total: number, items: number) => ({ totalResults: total, startIndex: options.startIndex, itemsPerPage: items });
    const name = (userId: string) => this.model.activity.user(tenant, userId)?.userName ?? null;
    const reenabled = await eventsOfType('reenabled', 'UserReactivated');
    const externalIds = await eventsOfType('externalIdChanges', 'UserExternalIdChanged');
    const refused = await eventsOfType('recreateRefused', 'UserRecreateRefused');
    return {
      asOf: options.now.toISOString(),
      period: { from: options.from, to: options.to },
      staleDays: options.staleDays,
      ...(stale && {
        stale: {
          description: `users no IdP request has touched since ${cutoff}`,
          ...paged(stale.total, stale.users.length),
          users: stale.users.map((u) => ({
            id: u.userId, userName: u.userName, active: u.active, createdAt: u.createdAt, lastIdpTouchAt: u.lastIdpTouchAt, lastIdpTouch: u.lastIdpTouch,
          })),
        },
      }),
      ...(outside && {
        createdOutsideScim: {
          description: 'users whose creating event carried no IdP token (admin, import or another actor)',
          ...paged(outside.total, outside.users.length),
          users: outside.users.map((u) => ({ id: u.userId, userName: u.userName, createdAt: u.createdAt, createdBy: u.createdBy, deletedAt: u.deletedAt })),
        },
      }),
      ...(reenabled && {
        reenabled: {
          description: 'users re-activated after a deactivation, and by whom',
          ...paged(reenabled.total, reenabled.rows.length),
          events: reenabled.rows.map((row) => {
            const previous = this.model.changes.streamPage({ streamId: row.streamId, types: ['UserDeactivated'], beforeRevision: row.revision, limit: 1 })[0];
            return { id: row.resourceId, userName: name(row.resourceId), reenabledAt: row.at, by: sourceOfEntry(row), deactivatedAt: previous?.at ?? null, deactivatedBy: previous ? sourceOfEntry(previous) : null };
          }),
        },
      }),
      ...(externalIds && {
        externalIdChanges: {
          description: 'externalId changes: the link to the IdP record moved',
          ...paged(externalIds.total, externalIds.rows.length),
          events: externalIds.rows.map((row, i) => {
            const data = externalIds.events[i]!.data as { from: string | null; to: string | null };
            return { id: row.resourceId, userName: name(row.resourceId), from: data.from, to: data.to, at: row.at, by: sourceOfEntry(row) };
          }),
        },
      }),
      ...(refused && {
        recreateRefused: {
          description: 'IdP attempts to re-create an existing (often disabled) user, refused instead of silently re-enabling it',
          ...paged(refused.total, refused.rows.length),
          events: refused.rows.map((row, i) => ({ id: row.resourceId, userName: name(row.resourceId), at: row.at, by: sourceOfEntry(row), data: refused.events[i]!.data })),
        },
      }),
    };
  }

  /**
   * The users holding the group's access at the instant, each once: direct members, then those
   * reached through nested groups, each described as users/{id}/access describes that group for
   * them (the path that held longest, `via` the member group it came through, the link's request).
   */
  private effectiveMembersAt(tenant: string, groupId: string, at: string): EffectiveMember[] {
    const membership = this.model.membership;
    const users = new Map<string, EffectiveMember>();
    // Nested users' memberships in the groups under this one, by user, in the order first seen.
    const nested = new Map<string, MembershipInterval[]>();
    const seenGroups = new Set([groupId]);
    let frontier = [groupId];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const holder of frontier) {
        for (const m of membership.membersAt(tenant, holder, at)) {
          const type = this.memberTypeAt(tenant, m, at);
          if (type === 'Group') {
            if (!seenGroups.has(m.memberId)) {
              seenGroups.add(m.memberId);
              next.push(m.memberId);
            }
          } else if (holder === groupId) {
            users.set(m.memberId, { m, type, since: m.from });
          } else if (!users.has(m.memberId)) {
            const links = nested.get(m.memberId);
            if (links) links.push(m);
            else nested.set(m.memberId, [m]);
          }
        }
      }
      frontier = next;
    }
    // Every nested user's walk up climbs the same groups: their links are read once per answer.
    const groupLinks = new Map<string, MembershipInterval[]>();
    const linksOfGroup = (holder: string) => {
      let found = groupLinks.get(holder);
      if (!found) groupLinks.set(holder, (found = membership.groupsOfMemberAt(tenant, holder, at)));
      return found;
    };
    for (const [userId, links] of nested) {
      // Shown as the membership first met on the way down, as before the sort below.
      const m = links[0]!;
      // The user's own links need no read: the walk down saw every one that can lead here (a group
      // that does not is never on a path to this one). In groupsOfMemberAt's order (from, group
      // id), so that of two paths that held equally long the same one wins as in users/{id}/access.
      links.sort(byFromThenGroup);
      const path = reachedGroups(userId, (member) => (member === userId ? links : linksOfGroup(member))).get(groupId);
      // Provenance is looked up only for the page shown: not `{ ...m, memberType }`, not path.addedBy here.
      if (path) {
        users.set(m.memberId, {
          m, type: 'User', via: path.via, since: path.since,
          get addedBy() {
            return path.addedBy;
          },
        });
      }
    }
    return [...users.values()];
  }

  /**
   * The groups the user belonged to at the instant, directly or through groups nested in them
   * (which grant the same access). Of several paths to a group the one that held longest is
   * shown; a group the user is also directly in counts as direct, as in SCIM reads.
   */
  groupsAt(tenant: string, userId: string, at: string): Membership[] {
    const membership = this.model.membership;
    const reached = reachedGroups(userId, (member) => membership.groupsOfMemberAt(tenant, member, at));
    return [...reached.values()].map((m) => ({ ...m, displayName: membership.groupAt(tenant, m.groupId, at)?.displayName ?? null }));
  }

  /** Histories answer 404 for a user or group the tenant never had. */
  private async requireHistory(streamId: string, kind: 'User' | 'Group', id: string): Promise<void> {
    const exists = await this.store.readStream(streamId, { maxCount: 1 });
    if (exists.length === 0) throw new NotFoundException({ statusCode: 404, error: 'NOT_FOUND', message: `${kind} ${id} has no history in this tenant` });
  }

  /** An IdP may add a group as a member without saying its type: the ledger knows its own group ids. */
  private memberTypeAt(tenant: string, m: MembershipInterval, at: string): string {
    if (m.memberType !== null) return m.memberType;
    return this.model.membership.groupAt(tenant, m.memberId, at) ? 'Group' : 'User';
  }

  private groupNotThere(tenant: string, groupId: string, at: string): NotFoundException {
    const intervals = this.model.membership.groupIntervals(tenant, groupId);
    if (intervals.length === 0) return new NotFoundException({ statusCode: 404, error: 'NOT_FOUND', message: `Group ${groupId} not found in this tenant` });
    const first = intervals[0]!;
    if (at < first.from) {
      return new NotFoundException({ statusCode: 404, error: 'NOT_YET_CREATED', message: `Group ${groupId} was not yet created at ${at}; it was created at ${first.from}`, createdAt: first.from });
    }
    const last = intervals[intervals.length - 1]!;
    return new NotFoundException({
      statusCode: 404, error: 'DELETED', message: `Group ${groupId} was deleted at ${last.to}`, deletedAt: last.to, deletedBy: last.closedBy,
    });
  }

  /** The events behind index rows, in the rows' order; one range read when the rows are close together. */
  private async eventsOf(rows: readonly ChangeEntry[]): Promise<RecordedEvent[]> {
    const byStream = new Map<string, ChangeEntry[]>();
    for (const row of rows) byStream.set(row.streamId, [...(byStream.get(row.streamId) ?? []), row]);
    const found = new Map<string, RecordedEvent>();
    for (const [streamId, entries] of byStream) {
      const revisions = entries.map((e) => e.revision);
      const low = Math.min(...revisions);
      const high = Math.max(...revisions);
      if (high - low + 1 <= entries.length * 4) {
        for (const event of await this.store.readStream(streamId, { fromRevision: low, maxCount: high - low + 1 })) found.set(event.id, event);
      } else {
        for (const revision of revisions) {
          for (const event of await this.store.readStream(streamId, { fromRevision: revision, maxCount: 1 })) found.set(event.id, event);
        }
      }
    }
    return rows.map((row) => {
      const event = found.get(row.eventId);
      if (!event) throw new Error(`event ${row.eventId} is in the changes index but not in the log`);
      return event;
    });
  }
}

export function userNotThere(userId: string, folded: Exclude<UserAt, { status: 'present' }>): NotFoundException {
  if (folded.status === 'deleted') {
    return new NotFoundException({
      statusCode: 404, error: 'DELETED', message: `User ${userId} was deleted at ${folded.deletedAt}`, deletedAt: folded.deletedAt, deletedBy: folded.deletedBy,
    });
  }
  if (folded.createdAt) {
    return new NotFoundException({
      statusCode: 404, error: 'NOT_YET_CREATED', message: `User ${userId} was not yet created at ${folded.at}; it was created at ${folded.createdAt}`, createdAt: folded.createdAt,
    });
  }
  return new NotFoundException({ statusCode: 404, error: 'NOT_FOUND', message: `User ${userId} not found in this tenant` });
}

/**
 * groupsAt without the names, by group id: the walk up from the user, where `linksOf(member)`
 * gives the membership intervals of that user or group at the instant.
 */
function reachedGroups(userId: string, linksOf: (member: string) => readonly MembershipInterval[]): Map<string, Omit<Membership, 'displayName'>> {
  const reached = new Map<string, Omit<Membership, 'displayName'>>();
  for (const m of linksOf(userId)) {
    reached.set(m.groupId, {
      groupId: m.groupId, type: 'direct', since: m.from,
      get addedBy() {
        return m.openedBy;
      },
    });
  }
  let frontier = [...reached.keys()];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const holder of frontier) {
      const holderSince = reached.get(holder)!.since;
      for (const link of linksOf(holder)) {
        const since = link.from > holderSince ? link.from : holderSince;
        const known = reached.get(link.groupId);
        // A path is kept only if it held longer: each group re-enters the frontier only when its
        // time moves earlier, so cycles of nested groups end.
        if (known && (known.type === 'direct' || known.since <= since)) continue;
        reached.set(link.groupId, {
          groupId: link.groupId, type: 'indirect', via: holder, since,
          get addedBy() {
            return link.openedBy;
          },
        });
        next.push(link.groupId);
      }
    }
    frontier = next;
  }
  return reached;
}

/** A user effective members lists: the membership met on the way down, and how the group's access reaches them. */
interface EffectiveMember {
  m: MembershipInterval;
  type: string;
  via?: string;
  since: string;
  addedBy?: EventSource;
}

/** groupsOfMemberAt's order: ORDER BY from_at, group_id (ids are ASCII, so `<` orders as SQLite does). */
function byFromThenGroup(a: MembershipInterval, b: MembershipInterval): number {
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  return a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0;
}
