import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSecret } from './secrets';

export interface AdminTokenSource {
  token: string;
  /** True when the token was generated just now and must be shown once. */
  generated: boolean;
  file: string | null;
}

/** ADMIN_TOKEN from the environment, else the one stored in DATA_DIR, else a new one stored there. */
export function resolveAdminToken(configured: string | null, dataDir: string): AdminTokenSource {
  if (configured) return { token: configured, generated: false, file: null };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false, file };
  mkdirSync(dataDir, { recursive: true });
  const token = newSecret('adm_');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, generated: true, file };
}
