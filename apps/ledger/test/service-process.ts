import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  /** What it printed (stdout and stderr), when started with `output: 'capture'`. */
  output(): string;
  exited: Promise<number | null>;
}

/** The service as `npm start` runs it (main.ts, from sources here), as its own process. */
export function startServiceProcess(env: Record<string, string>, options: { output?: 'capture' | 'ignore' | 'stderr' } = {}): ServiceProcess {
  const mode = options.output ?? 'capture';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/ledger/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', mode === 'capture' ? 'pipe' : 'ignore', mode === 'capture' ? 'pipe' : mode === 'stderr' ? 'inherit' : 'ignore'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Resolves once GET /health answers 200 (the store takes writes, the read model follows). */
export async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`service at ${url} did not become healthy within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A loopback port unlikely to collide with another suite's. */
export function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}
