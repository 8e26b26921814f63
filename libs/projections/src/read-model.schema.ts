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
CREATE INDEX IF NOT EXISTS groups_by_external_id ON groups (tenant_id, external_id);
CREATE TABLE IF NOT EXISTS group_members (
  tenant_id TEXT NOT NULL, group_id TEXT NOT NULL, member_id TEXT NOT NULL, type TEXT, display TEXT,
  PRIMARY KEY (tenant_id, group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS group_members_by_member ON group_members (tenant_id, member_id);
CREATE TABLE IF NOT EXISTS requests (
  tenant_id TEXT NOT NULL, request_id TEXT NOT NULL, correlation_id TEXT NOT NULL, at TEXT NOT NULL,
  method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, scim_type TEXT, detail TEXT,
  latency_ms REAL NOT NULL, token_id TEXT, idp TEXT, auth_failure TEXT, token_tenant TEXT,
  resource_id TEXT, event_id TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, request_id)
);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests (tenant_id, at);
CREATE INDEX IF NOT EXISTS requests_by_correlation ON requests (tenant_id, correlation_id);
CREATE INDEX IF NOT EXISTS requests_by_token ON requests (token_id, at);
CREATE INDEX IF NOT EXISTS requests_by_token_tenant ON requests (token_tenant, at);
CREATE TABLE IF NOT EXISTS token_usage (
  token_id TEXT PRIMARY KEY, use_count INTEGER NOT NULL, last_used_at TEXT, last_success_at TEXT,
  last_failure_at TEXT, last_failure_status INTEGER, last_failure_detail TEXT
);
CREATE TABLE IF NOT EXISTS tenant_settings (
  tenant_id TEXT PRIMARY KEY, request_retention_days INTEGER
);
`;
