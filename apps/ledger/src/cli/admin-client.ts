import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliArgs, CliIo } from './cli-command';
import { flag } from './cli-command';

/**
 * The CLI does what the admin API does, over HTTP: `--url` (or LEDGER_URL, default
 * http://127.0.0.1:$PORT) and the admin token from ADMIN_TOKEN or DATA_DIR/admin-token.
 */
export class AdminClient {
  constructor(private readonly baseUrl: string, private readonly token: string) {}

  static from(args: CliArgs, io: CliIo): AdminClient {
    const url = flag(args, 'url') ?? io.env['LEDGER_URL'] ?? `http://127.0.0.1:${io.env['PORT'] ?? '3000'}`;
    let token = io.env['ADMIN_TOKEN']?.trim();
    if (!token) {
      const file = join(io.env['DATA_DIR'] ?? './data', 'admin-token');
      try {
        token = readFileSync(file, 'utf8').trim();
      } catch {
        throw new Error(`no admin token: set ADMIN_TOKEN or run where ${file} exists`);
      }
    }
    return new AdminClient(url.replace(/\/$/, ''), token);
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
      throw new Error(`cannot reach the service at ${this.baseUrl} (${(error as Error).message}); is it running?`);
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
