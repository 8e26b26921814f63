/** Regenerates apps/ledger/openapi.json, the committed description CI compares against. */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLedger } from '../bootstrap';
import { loadConfig } from '../config/config';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  const ledger = await startLedger(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, ADMIN_TOKEN: 'openapi-generation-token', LOG_LEVEL: 'silent' }));
  try {
    const document = await (await fetch(`${ledger.url}/docs/openapi.json`)).json();
    writeFileSync(join(__dirname, '..', '..', 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
