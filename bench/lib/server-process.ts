import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A server under test, running as its own process so its RSS and CPU are its own. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident set size of the server process now, in MiB (Linux /proc; NaN elsewhere). */
  rssMb(): number;
  /**
   * Waits until the process is idle (under 10% of a core over two 250 ms windows), so one run's
   * leftovers (requests still in flight when the load stopped, projections catching up) do not
   * land in the next run. Gives up after `maxMs` and says how long it waited.
   */
  waitIdle(maxMs?: number): Promise<number>;
  /** Graceful stop (SIGTERM), then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** What the process printed, for error messages. */
  output(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function rssMbOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time the process has used (all threads), in ms; NaN where /proc is missing. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

export async function waitIdle(pid: number, maxMs = 20_000): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  let before = cpuMsOf(pid);
  if (Number.isNaN(before)) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return Date.now() - started;
  }
  while (quiet < 2 && Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = cpuMsOf(pid);
    quiet = now - before <= 25 ? quiet + 1 : 0;
    before = now;
  }
  return Date.now() - started;
}

export async function startServerProcess(options: {
  args: string[];
  env: Record<string, string>;
  port: number;
  /** Path answered with 2xx once the server can take requests. */
  readyPath: string;
  cwd?: string;
  startTimeoutMs?: number;
}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A bench that dies must not leave its servers running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    process.removeListener('exit', killOnExit);
  });

  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (hasExited) throw new Error(`server exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer ${options.readyPath} within the start-up timeout:\n${output}`);
    }
    try {
      const response = await fetch(url + options.readyPath);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    pid: child.pid!,
    rssMb: () => rssMbOf(child.pid!),
    waitIdle: (maxMs?: number) => waitIdle(child.pid!, maxMs),
    output: () => output,
    stop: async () => {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
