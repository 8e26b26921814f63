export const READ_MODEL_SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (
  tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  token_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT NOT NULL, idp TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE, hint TEXT NOT NULL, created_at TEXT NOT NULL,
  expires_at TEXT, revoked_at TEXT, rotated_from TEXT
);
CREATE INDEX IF NOT EXISTS tokens_by_tenant ON tokens (tenant_id);
CREATE TABLE IF NOT EXISTS users (
  tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL, external_id TEXT,
  active INTEGER NOT NULL, attributes TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  version INTEGER NOT NULL, revision INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX IF NOT EXISTS users_by_name ON users (tenant_id, user_name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS users_by_external_id ON users (tenant_id, external_id);
CREATE TABLE IF NOT EXISTS groups (
  tenant_id TEXT NOT NULL, group_id TEXT NOT NULL, display_name TEXT NOT NULL, external_id TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL, revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, group_id)
);
CREATE INDEX IF NOT EXISTS groups_by_name ON groups (tenant_id, display_name COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS group_members (
  tenant_id TEXT NOT NULL, group_id TEXT NOT NULL, member_id TEXT NOT NULL, type TEXT, display TEXT,
  PRIMARY KEY (tenant_id, group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS group_members_by_member ON group_members (tenant_id, member_id);
`;
