import { Inject, Injectable } from '@nestjs/common';
import {
  UniquenessViolation,
  decideClaim,
  decideUser,
  evolveClaim,
  evolveUser,
  initialClaim,
  initialUser,
  streams,
  type ClaimEvent,
  type ClaimedAttribute,
  type User,
  type UserAttributes,
  type UserEvent,
} from '@ledger/domain';
import type { EventStore } from '@ledger/eventstore';
import { ScimError } from '@ledger/scim';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE } from '../infrastructure/tokens';
import { CONFLICT_RETRIES, EventSourcedRepository, afterConflict } from '../shared/event-sourced-repository';
import { ReadModelGate } from '../shared/read-model-gate';
import type { RequestContext } from '../shared/request-context';
import { etagMatches, type UserShape } from './resource-mapper';

const userFolding = { evolve: evolveUser, initialState: initialUser };
const claimFolding = { evolve: evolveClaim, initialState: initialClaim };

/** A claim whose create never completed is given up after this long (the process died mid-create). */
const ABANDONED_CLAIM_MS = 60_000;

export type PresentUser = Exclude<User, { status: 'absent' }>;

export interface UserWriteResult {
  user: UserShape;
  events: UserEvent[];
  position: bigint;
}

/** User commands: uniqueness claims first, then the user's own stream, then the read model catches up. */
@Injectable()
export class UsersService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly gate: ReadModelGate,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async provision(context: RequestContext, attributes: UserAttributes): Promise<UserWriteResult> {
    const userId = randomUUID();
    const userName = attributes['userName'] as string;
    const externalId = (attributes['externalId'] as string | undefined) ?? null;
    const claimed: Array<[ClaimedAttribute, string]> = [];
    try {
      // Both claims at once, so they share one group commit; a refused userName is the one reported.
      const wanted: Array<[ClaimedAttribute, string]> = [['userName', userName]];
      if (externalId !== null) wanted.push(['externalId', externalId]);
      const settled = await Promise.allSettled(wanted.map(([attribute, value]) => this.claim(context, attribute, value, userId)));
      settled.forEach((result, index) => {
        if (result.status === 'fulfilled') claimed.push(wanted[index]!);
      });
      const refused = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (refused) throw refused.reason;
      const outcome = await this.repository.execute<User, UserEvent>(
        streams.user(context.tenant, userId), userFolding, context,
        ({ state }) => decideUser({ type: 'ProvisionUser', userId, attributes, at: context.at.toISOString() }, state),
        { fresh: true },
      );
      await this.gate.reached(outcome.position);
      return { user: shapeOf(outcome.state as PresentUser), events: outcome.events, position: outcome.position };
    } catch (error) {
      for (const [attribute, value] of claimed) await this.release(context, attribute, value, userId, 'abandoned');
      if (error instanceof UniquenessViolation) await this.recordRefusedRecreate(context, error);
      throw error;
    }
  }

  /** A read's 404, worded like a write's: a deleted user says so. */
  async notFound(tenant: string, userId: string): Promise<ScimError> {
    const { state } = await this.repository.load<User, UserEvent>(streams.user(tenant, userId), userFolding);
    return userNotFound(userId, state.status === 'deleted');
  }

  async load(tenant: string, userId: string): Promise<PresentUser | null> {
    const { state } = await this.repository.load<User, UserEvent>(streams.user(tenant, userId), userFolding);
    return state.status === 'present' ? state : null;
  }

  /** PUT, and PATCH once the patch engine produced the new attributes. */
  async replace(context: RequestContext, userId: string, next: (current: PresentUser) => UserAttributes, ifMatch?: string): Promise<UserWriteResult> {
    const streamId = streams.user(context.tenant, userId);
    for (let attempt = 0; ; attempt++) {
      const { state, revision } = await this.repository.load<User, UserEvent>(streamId, userFolding);
      const current = requireUser(state, userId);
      if (!etagMatches(ifMatch, current.version)) {
        throw new ScimError(412, undefined, `If-Match ${ifMatch} does not match the current version W/"${current.version}"`);
      }
      const attributes = next(current);
      const newName = attributes['userName'] as string;
      const newExternalId = (attributes['externalId'] as string | undefined) ?? null;
      const renamed = newName.toLowerCase() !== current.userName.toLowerCase();
      const externalIdChanged = newExternalId !== current.externalId;
      const claimed: Array<[ClaimedAttribute, string]> = [];
      try {
        if (renamed) {
          await this.claim(context, 'userName', newName, userId);
          claimed.push(['userName', newName]);
        }
        if (externalIdChanged && newExternalId !== null) {
          await this.claim(context, 'externalId', newExternalId, userId);
          claimed.push(['externalId', newExternalId]);
        }
        const outcome = await this.repository.execute<User, UserEvent>(streamId, userFolding, context,
          ({ state: fresh }) => decideUser({ type: 'ReplaceUser', userId, attributes, at: context.at.toISOString() }, fresh),
          { expected: revision },
        );
        if (renamed) await this.release(context, 'userName', current.userName, userId, 'renamed');
        if (externalIdChanged && current.externalId !== null) await this.release(context, 'externalId', current.externalId, userId, 'renamed');
        await this.gate.reached(outcome.position);
        return { user: shapeOf(outcome.state as PresentUser), events: outcome.events, position: outcome.position };
      } catch (error) {
        for (const [attribute, value] of claimed) await this.release(context, attribute, value, userId, 'abandoned');
        const conflict = (error as { code?: string }).code === 'WRONG_EXPECTED_REVISION';
        // Tried again on the newer state; with If-Match, that state then answers 412.
        if (!conflict || attempt >= CONFLICT_RETRIES) throw error;
        await afterConflict(attempt);
      }
    }
  }

  async delete(context: RequestContext, userId: string, ifMatch?: string): Promise<void> {
    const streamId = streams.user(context.tenant, userId);
    const outcome = await this.repository.execute<User, UserEvent>(streamId, userFolding, context, ({ state }) => {
      const current = requireUser(state, userId);
      if (!etagMatches(ifMatch, current.version)) {
        throw new ScimError(412, undefined, `If-Match ${ifMatch} does not match the current version W/"${current.version}"`);
      }
      return decideUser({ type: 'DeleteUser', userId, at: context.at.toISOString() }, state);
    });
    const deleted = outcome.events.find((e) => e.type === 'UserDeleted');
    if (deleted?.type === 'UserDeleted') {
      await this.release(context, 'userName', deleted.data.userName, userId, 'deleted');
      if (deleted.data.externalId !== null) await this.release(context, 'externalId', deleted.data.externalId, userId, 'deleted');
    }
    await this.gate.reached(outcome.position);
  }

  private async claim(context: RequestContext, attribute: ClaimedAttribute, value: string, ownerId: string): Promise<void> {
    const streamId = claimStream(context.tenant, attribute, value);
    await this.repository.execute<ReturnType<typeof evolveClaim>, ClaimEvent>(streamId, claimFolding, context, async ({ state }) => {
      const holderExists = state.holder === null || state.holder === ownerId ? true : await this.userStreamExists(context.tenant, state.holder);
      return decideClaim({ type: 'ClaimValue', attribute, value, ownerId, at: context.at.toISOString(), holderExists, abandonAfterMs: ABANDONED_CLAIM_MS }, state);
      // Most claimed values are new: decide without reading first; if the value has a claim
      // stream after all, no_stream refuses the append and the claim is decided on what is there.
    }, { retries: 5, fresh: true });
  }

  private async release(context: RequestContext, attribute: ClaimedAttribute, value: string, ownerId: string, reason: 'renamed' | 'deleted' | 'abandoned'): Promise<void> {
    const streamId = claimStream(context.tenant, attribute, value);
    await this.repository.execute<ReturnType<typeof evolveClaim>, ClaimEvent>(streamId, claimFolding, context, ({ state }) =>
      decideClaim({ type: 'ReleaseValue', attribute, value, ownerId, reason, at: context.at.toISOString() }, state),
      { retries: 5 },
    );
  }

  private async userStreamExists(tenant: string, userId: string): Promise<boolean> {
    return (await this.store.readStream(streams.user(tenant, userId), { maxCount: 1 })).length > 0;
  }

  /** A create refused for uniqueness is kept on the existing user's record (the re-enable trap). */
  private async recordRefusedRecreate(context: RequestContext, violation: UniquenessViolation): Promise<void> {
    if (violation.attribute === 'displayName') return;
    const attribute = violation.attribute;
    await this.repository
      .execute<User, UserEvent>(streams.user(context.tenant, violation.existingId), userFolding, context, ({ state }) =>
        state.status === 'present'
          ? decideUser({ type: 'RecordRefusedRecreate', userId: violation.existingId, attribute, value: violation.value, at: context.at.toISOString() }, state)
          : [],
      )
      .catch(() => undefined);
  }
}

function claimStream(tenant: string, attribute: ClaimedAttribute, value: string): string {
  return attribute === 'userName' ? streams.userNameClaim(tenant, value) : streams.externalIdClaim(tenant, value);
}

function requireUser(state: User, userId: string): PresentUser {
  if (state.status !== 'present') throw userNotFound(userId, state.status === 'deleted');
  return state;
}

function userNotFound(userId: string, deleted: boolean): ScimError {
  return new ScimError(404, undefined, `User ${userId} not found${deleted ? ' (it was deleted)' : ''}`);
}

export function shapeOf(user: PresentUser): UserShape {
  return {
    userId: user.userId, userName: user.userName, externalId: user.externalId, active: user.active,
    attributes: user.attributes, createdAt: user.createdAt, updatedAt: user.updatedAt, version: user.version,
  };
}

/** The attributes a decider takes, back from a user's state (for PATCH to work on). */
export function attributesOf(user: PresentUser): UserAttributes {
  return {
    userName: user.userName,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    ...user.attributes,
    active: user.active,
  };
}
