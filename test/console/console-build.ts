import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
export const CONSOLE_BUILD = join(ROOT, 'dist/console');
const SOURCES = join(ROOT, 'apps/console');
const LOCK = join(ROOT, 'dist/.console-build.lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(): number | null {
  try {
    return statSync(join(CONSOLE_BUILD, 'index.html')).mtimeMs;
  } catch {
    return null;
  }
}

const fresh = () => {
  const built = builtAt();
  return built !== null && built >= newestSource(SOURCES);
};

/**
 * Builds the console with Vite unless dist/console is newer than its sources. Test files run in
 * parallel workers, so one builds under a lock directory while the others wait for it.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!fresh()) {
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    try {
      mkdirSync(LOCK);
    } catch {
      // Someone else is building; a lock left by a killed run expires after five minutes.
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`gave up waiting for the console build (lock ${LOCK})`);
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      if (!fresh()) {
        await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/console/vite.config.mts', '--logLevel', 'warn'], {
          cwd: ROOT,
          maxBuffer: 16 * 1024 * 1024,
        });
      }
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
