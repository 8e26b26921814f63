import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliArgs, CliIo } from './cli-command';
import { dataDirOf, flag } from './cli-command';

/** Printed by --help; AdminClient.from follows it, in this order. */
export const ADMIN_CONNECTION_HELP = [
  'Admin commands (tenants, tokens, auditors, sla) call the running service over HTTP:',
  '  service URL:  --url, else LEDGER_URL, else http://127.0.0.1:$PORT (PORT defaults to 3000)',
  '  admin token:  --admin-token, else ADMIN_TOKEN, else the file <DATA_DIR>/admin-token that the',
  '                service wrote on first start (DATA_DIR from --data-dir, else DATA_DIR, else ./data)',
  '  The token is never printed. --admin-token is visible to other local users in the process list;',
  '  prefer ADMIN_TOKEN or --data-dir.',
  'Offline commands (projections, verify --store) open DATA_DIR directly: --data-dir, else DATA_DIR, else ./data.',
];

/** The CLI does what the admin API does, over HTTP. */
export class AdminClient {
  constructor(private readonly baseUrl: string, private readonly token: string, private readonly urlSource: string) {}

  static from(args: CliArgs, io: CliIo): AdminClient {
    const [url, urlSource] = flag(args, 'url') !== undefined
      ? [flag(args, 'url')!, '--url']
      : io.env['LEDGER_URL']
        ? [io.env['LEDGER_URL'], 'LEDGER_URL']
        : [`http://127.0.0.1:${io.env['PORT'] ?? '3000'}`, io.env['PORT'] ? 'PORT' : 'the default port'];
    return new AdminClient(url.replace(/\/$/, ''), adminToken(args, io), urlSource);
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new Error(`cannot reach the service at ${this.baseUrl} (from ${this.urlSource}: ${(error as Error).message}); is it running? Point at it with --url or LEDGER_URL`);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* keep text */
    }
    if (response.status >= 400) {
      const message = (parsed as { message?: unknown })?.message ?? text;
      throw new Error(`${method} ${path} failed with ${response.status}: ${Array.isArray(message) ? message.join('; ') : String(message)}`);
    }
    return { status: response.status, body: parsed as any };
  }
}

function adminToken(args: CliArgs, io: CliIo): string {
  const given = flag(args, 'admin-token')?.trim() || io.env['ADMIN_TOKEN']?.trim();
  if (given) return given;
  const file = join(dataDirOf(args, io), 'admin-token');
  let stored = '';
  let problem = 'is empty';
  try {
    stored = readFileSync(file, 'utf8').trim();
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  if (stored) return stored;
  throw new Error(
    `no admin token: --admin-token is not given, ADMIN_TOKEN is not set, and ${file} ${problem}. ` +
      `Give --data-dir <the service's DATA_DIR> (or DATA_DIR=...), or set ADMIN_TOKEN to the token the service printed on first start`,
  );
}
