import type Database from 'better-sqlite3';
import { streamCategory, type RequestRecorded, type UserEvent } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/eventstore';
import { isIdpActor, timeOf, type EventSource } from './event-source';
import { resolveSource, type SourceLookup } from './source-lookup';
import type { AuditProjection, ReplayWriter } from './audit-projection';

/**
 * One row per user for drift questions: who created it (an IdP token, or someone outside SCIM),
 * when an IdP last touched it, its current name, activity and deletion.
 */
export type UserActivityChange =
  | { kind: 'created'; tenant: string; userId: string; userName: string; externalId: string | null; active: boolean; byIdp: boolean }
  | { kind: 'renamed'; tenant: string; userId: string; userName: string }
  | { kind: 'externalId'; tenant: string; userId: string; externalId: string | null }
  | { kind: 'active'; tenant: string; userId: string; active: boolean }
  | { kind: 'deleted'; tenant: string; userId: string }
  | { kind: 'idpTouch'; tenant: string; userId: string };

/** Pure. A user's own events by an IdP token count as touches, and so do IdP requests on /Users/{id}. */
export function userActivityChanges(event: RecordedEvent): UserActivityChange[] {
  const tenant = event.metadata.tenant;
  if (event.type === 'RequestRecorded') {
    const data = (event as unknown as RequestRecorded).data;
    if (!data.resourceId || !data.tokenId || !/\/Users(\/|$|\?)/.test(data.path) || data.status >= 400) return [];
    return [{ kind: 'idpTouch', tenant, userId: data.resourceId }];
  }
  if (streamCategory(event.streamId) !== 'user') return [];
  const e = event as unknown as UserEvent;
  const userId = e.data.userId;
  const changes: UserActivityChange[] = [];
  switch (e.type) {
    case 'UserProvisioned':
      changes.push({ kind: 'created', tenant, userId, userName: e.data.userName, externalId: e.data.externalId, active: e.data.active, byIdp: isIdpActor(event) });
      break;
    case 'UserRenamed':
      changes.push({ kind: 'renamed', tenant, userId, userName: e.data.to });
      break;
    case 'UserExternalIdChanged':
      changes.push({ kind: 'externalId', tenant, userId, externalId: e.data.to });
      break;
    case 'UserDeactivated':
    case 'UserReactivated':
      changes.push({ kind: 'active', tenant, userId, active: e.type === 'UserReactivated' });
      break;
    case 'UserDeleted':
      changes.push({ kind: 'deleted', tenant, userId });
      break;
    default:
      break;
  }
  if (isIdpActor(event)) changes.push({ kind: 'idpTouch', tenant, userId });
  return changes;
}

export interface UserActivity {
  userId: string;
  userName: string;
  externalId: string | null;
  active: boolean;
  createdAt: string;
  createdBy: EventSource;
  createdByIdp: boolean;
  lastIdpTouchAt: string | null;
  lastIdpTouch: EventSource | null;
  deletedAt: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS user_activity (
  tenant TEXT NOT NULL, user_id TEXT NOT NULL,
  user_name TEXT NOT NULL, user_name_position INTEGER NOT NULL,
  external_id TEXT, external_id_position INTEGER NOT NULL,
  active INTEGER NOT NULL, active_position INTEGER NOT NULL,
  created_at TEXT NOT NULL, created_position INTEGER NOT NULL, created_by_idp INTEGER NOT NULL,
  last_idp_at TEXT, last_idp_position INTEGER,
  deleted_at TEXT, deleted_position INTEGER,
  PRIMARY KEY (tenant, user_id)
) WITHOUT ROWID;
`;

type Row = Record<string, string | number | null>;

export class UserActivityProjection implements AuditProjection {
  readonly name = 'user-activity';
  readonly tables = ['user_activity'];
  readonly queryIndexes = [];
  private readonly stmts;

  constructor(db: Database.Database, private readonly sources: SourceLookup) {
    db.exec(SCHEMA);
    const exists = 'tenant = @tenant AND user_id = @userId';
    this.stmts = {
      created: db.prepare(
        `INSERT OR IGNORE INTO user_activity (tenant, user_id, user_name, user_name_position, external_id, external_id_position, active, active_position,
           created_at, created_position, created_by_idp, last_idp_at, last_idp_position)
         VALUES (@tenant, @userId, @userName, @position, @externalId, @position, @active, @position, @at, @position, @byIdp,
           CASE WHEN @touch THEN @at END, CASE WHEN @touch THEN @position END)`,
      ),
      // One statement per event; each column moves only if this event is newer than what set it.
      update: db.prepare(
        `UPDATE user_activity SET
           user_name = CASE WHEN @hasUserName AND user_name_position < @position THEN @userName ELSE user_name END,
           user_name_position = CASE WHEN @hasUserName AND user_name_position < @position THEN @position ELSE user_name_position END,
           external_id = CASE WHEN @hasExternalId AND external_id_position < @position THEN @externalId ELSE external_id END,
           external_id_position = CASE WHEN @hasExternalId AND external_id_position < @position THEN @position ELSE external_id_position END,
           active = CASE WHEN @hasActive AND active_position < @position THEN @active ELSE active END,
           active_position = CASE WHEN @hasActive AND active_position < @position THEN @position ELSE active_position END,
           deleted_at = CASE WHEN @deleted AND deleted_position IS NULL THEN @at ELSE deleted_at END,
           deleted_position = CASE WHEN @deleted AND deleted_position IS NULL THEN @position ELSE deleted_position END,
           last_idp_at = CASE WHEN @touch AND (last_idp_position IS NULL OR last_idp_position < @position) THEN @at ELSE last_idp_at END,
           last_idp_position = CASE WHEN @touch AND (last_idp_position IS NULL OR last_idp_position < @position) THEN @position ELSE last_idp_position END
         WHERE tenant = @tenant AND user_id = @userId`,
      ),
      stale: db.prepare(
        `SELECT * FROM user_activity WHERE tenant = @tenant AND deleted_at IS NULL AND COALESCE(last_idp_at, created_at) < @cutoff
         ORDER BY COALESCE(last_idp_at, created_at), user_id LIMIT @limit OFFSET @offset`,
      ),
      staleCount: db.prepare(
        `SELECT COUNT(*) AS n FROM user_activity WHERE tenant = @tenant AND deleted_at IS NULL AND COALESCE(last_idp_at, created_at) < @cutoff`,
      ),
      outside: db.prepare(
        'SELECT * FROM user_activity WHERE tenant = @tenant AND created_by_idp = 0 ORDER BY created_at, user_id LIMIT @limit OFFSET @offset',
      ),
      outsideCount: db.prepare('SELECT COUNT(*) AS n FROM user_activity WHERE tenant = @tenant AND created_by_idp = 0'),
      one: db.prepare('SELECT * FROM user_activity WHERE tenant = ? AND user_id = ?'),
      replayed: db.prepare(
        `INSERT INTO user_activity (tenant, user_id, user_name, user_name_position, external_id, external_id_position, active, active_position,
           created_at, created_position, created_by_idp, last_idp_at, last_idp_position, deleted_at, deleted_position)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      existingAt: db.prepare(
        `SELECT user_id FROM user_activity WHERE tenant = @tenant AND created_at <= @at AND (deleted_at IS NULL OR deleted_at > @at)
         AND user_id > @after ORDER BY user_id LIMIT @limit`,
      ),
    };
  }

  apply(event: RecordedEvent): void {
    const patch = activityPatch(event);
    if (!patch) return;
    const { created, update } = patch;
    if (created) {
      this.stmts.created.run({
        tenant: update.tenant, userId: update.userId, position: update.position, at: update.at, userName: created.userName,
        externalId: created.externalId, active: created.active ? 1 : 0, byIdp: created.byIdp ? 1 : 0, touch: update.touch,
      });
    } else {
      this.stmts.update.run(update);
    }
  }

  /** In log order every event is newer than what set a column, so one row per user is folded in memory and written once. */
  replay(): ReplayWriter {
    const rows = new Map<string, Array<string | number | bigint | null>>();
    const insert = this.stmts.replayed;
    return {
      apply(event) {
        const patch = activityPatch(event);
        if (!patch) return;
        const { created, update: u } = patch;
        const key = `${u.tenant}\u0000${u.userId}`;
        const touch = u.touch === 1;
        let row = rows.get(key);
        if (created) {
          if (row) return;
          row = [
            u.tenant, u.userId, created.userName, u.position, created.externalId, u.position, created.active ? 1 : 0, u.position,
            u.at, u.position, created.byIdp ? 1 : 0, touch ? u.at : null, touch ? u.position : null, null, null,
          ];
          rows.set(key, row);
          return;
        }
        if (!row) return;
        if (u.hasUserName) [row[2], row[3]] = [u.userName, u.position];
        if (u.hasExternalId) [row[4], row[5]] = [u.externalId, u.position];
        if (u.hasActive) [row[6], row[7]] = [u.active, u.position];
        if (u.deleted && row[14] === null) [row[13], row[14]] = [u.at, u.position];
        if (touch) [row[11], row[12]] = [u.at, u.position];
      },
      finish() {
        for (const row of rows.values()) insert.run(row);
        rows.clear();
      },
    };
  }

  user(tenant: string, userId: string): UserActivity | null {
    const row = this.stmts.one.get(tenant, userId) as Row | undefined;
    return row ? this.toActivity(row) : null;
  }

  /** Existing users whose last IdP touch (or creation, if never touched) is before the cutoff. */
  stale(tenant: string, cutoff: string, limit: number, offset = 0): { total: number; users: UserActivity[] } {
    const total = (this.stmts.staleCount.get({ tenant, cutoff }) as { n: number }).n;
    return { total, users: (this.stmts.stale.all({ tenant, cutoff, limit, offset }) as Row[]).map((r) => this.toActivity(r)) };
  }

  createdOutsideScim(tenant: string, limit: number, offset = 0): { total: number; users: UserActivity[] } {
    const total = (this.stmts.outsideCount.get({ tenant }) as { n: number }).n;
    return { total, users: (this.stmts.outside.all({ tenant, limit, offset }) as Row[]).map((r) => this.toActivity(r)) };
  }

  /** Ids of users that existed at the instant, keyset-paged by id. */
  userIdsExistingAt(tenant: string, at: string, after: string, limit: number): string[] {
    return (this.stmts.existingAt.all({ tenant, at, after, limit }) as Array<{ user_id: string }>).map((r) => r.user_id);
  }

  private toActivity(row: Row): UserActivity {
    return {
      userId: row['user_id'] as string,
      userName: row['user_name'] as string,
      externalId: (row['external_id'] as string | null) ?? null,
      active: row['active'] === 1,
      createdAt: row['created_at'] as string,
      createdBy: resolveSource(this.sources, row['created_position'] as number, row['created_at'] as string),
      createdByIdp: row['created_by_idp'] === 1,
      lastIdpTouchAt: (row['last_idp_at'] as string | null) ?? null,
      lastIdpTouch: row['last_idp_position'] === null ? null : resolveSource(this.sources, row['last_idp_position'] as number, row['last_idp_at'] as string),
      deletedAt: (row['deleted_at'] as string | null) ?? null,
    };
  }
}

interface ActivityPatch {
  created: Extract<UserActivityChange, { kind: 'created' }> | null;
  /** The parameters of the update statement (flags as 0 / 1). */
  update: {
    tenant: string; userId: string; position: bigint; at: string; hasUserName: number; userName: string | null;
    hasExternalId: number; externalId: string | null; hasActive: number; active: number; deleted: number; touch: number;
  };
}

function activityPatch(event: RecordedEvent): ActivityPatch | null {
  const changes = userActivityChanges(event);
  if (changes.length === 0) return null;
  const patch: ActivityPatch['update'] = {
    tenant: changes[0]!.tenant, userId: changes[0]!.userId, position: event.position, at: timeOf(event),
    hasUserName: 0, userName: null, hasExternalId: 0, externalId: null, hasActive: 0, active: 0, deleted: 0, touch: 0,
  };
  let created: ActivityPatch['created'] = null;
  for (const change of changes) {
    switch (change.kind) {
      case 'created':
        created = change;
        break;
      case 'renamed':
        patch.hasUserName = 1;
        patch.userName = change.userName;
        break;
      case 'externalId':
        patch.hasExternalId = 1;
        patch.externalId = change.externalId;
        break;
      case 'active':
        patch.hasActive = 1;
        patch.active = change.active ? 1 : 0;
        break;
      case 'deleted':
        patch.deleted = 1;
        break;
      case 'idpTouch':
        patch.touch = 1;
        break;
      default: {
        const exhaustive: never = change;
        throw new Error(`unknown activity change ${JSON.stringify(exhaustive)}`);
      }
    }
  }
  return { created, update: patch };
}
