/**
 * Every read model leads its keys with the tenant, and SQLite without statistics takes
 * `tenant = ?` to select about ten rows. Where a primary key and an index share that prefix it
 * may then walk the tenant's whole primary key: a user delete scanned every membership of the
 * tenant, an audit look-up by userName every identifier interval. These tests read the plans
 * SQLite chose for the statements the models prepare, so a new statement with that shape fails
 * here instead of in a customer's largest tenant.
 */
import Database from 'better-sqlite3';
import { AuditReadModel, ScimReadModel } from '@ledger/projections';
import { SlaStore } from '@ledger/sla';

interface Prepared {
  db: Database.Database;
  sql: string;
}

/** The statements `build` prepares, with the connection each was prepared on. */
function preparedBy(build: () => void): Prepared[] {
  const seen: Prepared[] = [];
  const original = Database.prototype.prepare;
  const spy = jest.spyOn(Database.prototype, 'prepare').mockImplementation(function (this: Database.Database, sql: string) {
    seen.push({ db: this, sql });
    return original.call(this, sql);
  });
  try {
    build();
  } finally {
    spy.mockRestore();
  }
  return seen.filter((p) => /^\s*(SELECT|UPDATE|DELETE|INSERT|WITH)/i.test(p.sql));
}

function planOf({ db, sql }: Prepared): string[] {
  const names = [...new Set(sql.match(/@\w+/g) ?? [])].map((n) => n.slice(1));
  const explain = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (names.length > 0
    ? explain.all(Object.fromEntries(names.map((n) => [n, 'x'])))
    : explain.all(...Array((sql.match(/\?/g) ?? []).length).fill('x'))) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}

/**
 * A search that narrows a table by the tenant alone: a scan of the tenant, whatever the WHERE
 * says. Tables keyed by the tenant itself are exempt.
 */
const TENANT_ONLY = /^SEARCH (?!tenants |tenant_settings )\w+ USING .*\((tenant_id|tenant)=\?\)$/;

/**
 * Statements that read a whole tenant by design (listings, reports over every user) and say
 * so; anything else searching by the tenant alone is a bug.
 */
const WHOLE_TENANT = [
  /FROM tokens WHERE tenant_id = \? ORDER BY/,
  /FROM users WHERE tenant_id = \? AND deleted = 0 ORDER BY/,
  /FROM groups WHERE tenant_id = \? AND deleted = 0 ORDER BY/,
  /FROM user_activity WHERE tenant = @tenant AND (deleted_at IS NULL|created_by_idp = 0)/,
  /FROM auditors WHERE tenant_id = \? ORDER BY/,
  /FROM sla_policies WHERE tenant = \? ORDER BY version DESC LIMIT 1/,
  /FROM sla_open_cases WHERE tenant = \? LIMIT 1/,
  /FROM sla_cases WHERE tenant = @tenant AND/,
];

describe.each([
  ['SCIM read model', () => new ScimReadModel(':memory:').close()],
  ['audit read model', () => new AuditReadModel(':memory:').close()],
  ['SLA store', () => new SlaStore(':memory:').close()],
])('query plans of the %s', (_name, build) => {
  let statements: Prepared[] = [];
  const connections: Database.Database[] = [];

  beforeAll(() => {
    // Keep the connections open for EXPLAIN: prepare them again on fresh in-memory models.
    const open = jest.spyOn(Database.prototype, 'close').mockImplementation(function (this: Database.Database) {
      connections.push(this);
      return this;
    });
    try {
      statements = preparedBy(build);
    } finally {
      open.mockRestore();
    }
  });

  afterAll(() => {
    for (const db of connections) if (db.open) db.close();
  });

  it('prepares statements to check', () => {
    expect(statements.length).toBeGreaterThan(5);
  });

  it('never narrows a lookup or a write by the tenant alone', () => {
    const offenders = statements
      .filter((s) => !WHOLE_TENANT.some((allowed) => allowed.test(s.sql.replace(/\s+/g, ' '))))
      .flatMap((s) => planOf(s).filter((step) => TENANT_ONLY.test(step)).map((step) => `${s.sql.replace(/\s+/g, ' ').slice(0, 120)} -> ${step}`));
    expect(offenders).toEqual([]);
  });
});

describe('the statements that used to scan a tenant', () => {
  let scim: ScimReadModel;
  let audit: AuditReadModel;
  let statements: Prepared[];

  beforeAll(() => {
    statements = preparedBy(() => {
      scim = new ScimReadModel(':memory:');
      audit = new AuditReadModel(':memory:');
    });
  });

  afterAll(() => {
    scim.close();
    audit.close();
  });

  const find = (fragment: string) => {
    const found = statements.find((s) => s.sql.replace(/\s+/g, ' ').includes(fragment));
    if (!found) throw new Error(`no prepared statement contains "${fragment}"`);
    return found;
  };

  it('a user delete removes its memberships through the by-member index', () => {
    expect(planOf(find('DELETE FROM group_members INDEXED BY group_members_by_member WHERE tenant_id = ? AND member_id = ?'))).toEqual([
      expect.stringMatching(/group_members_by_member \(tenant_id=\? AND member_id=\?\)/),
    ]);
  });

  it("a user's groups, nested ones included, are found from the user outwards", () => {
    const plan = planOf(find('WITH RECURSIVE holders'));
    expect(plan.filter((step) => /^SEARCH (group_members|m) /.test(step))).toEqual([
      expect.stringContaining('(tenant_id=? AND member_id=?)'),
      expect.stringContaining('(tenant_id=? AND member_id=?)'),
    ]);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH g USING .*\(tenant_id=\? AND group_id=\?\)/));
  });

  it('an audit look-up by userName or externalId seeks the value, not the tenant', () => {
    expect(planOf(find('FROM identifier_intervals INDEXED BY identifier_by_value'))[0]).toMatch(
      /identifier_by_value \(tenant=\? AND identifier=\? AND value_key=\?\)/,
    );
  });
});
