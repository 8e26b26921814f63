import { openEventStore, type EventStore } from '@ledger/eventstore';
import { AuditReadModel, SCIM_READ_MODEL as SCIM, ScimReadModel, rebuildProjections } from '@ledger/projections';
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { CliUsageError, dataDirOf, flag, type CliArgs, type CliCommand, type CliIo } from '../cli-command';

/** These commands work on DATA_DIR directly (no running service): stop the service before a rebuild. */
async function openStore(args: CliArgs, io: CliIo): Promise<{ store: EventStore; dataDir: string; url: string | undefined }> {
  const dataDir = dataDirOf(args, io);
  const url = io.env['EVENT_STORE_URL']?.trim() || undefined;
  if (!url && !existsSync(join(dataDir, 'events.sqlite'))) throw new Error(`no event store in ${dataDir} (set DATA_DIR or --data-dir)`);
  return { store: await openEventStore({ url, dataDir }), dataDir, url };
}

const DATABASES = ['events.sqlite', 'read-model.sqlite', 'audit.sqlite', 'audit-changes.sqlite'];

/**
 * Other processes (the service, another rebuild) with a DATA_DIR database open, found through
 * /proc on Linux. SQLite cannot tell: an idle connection holds no lock, and the SCIM read model
 * is rebuilt in place, under the service's feet.
 */
function processesUsing(dataDir: string): number[] {
  if (process.platform !== 'linux' || !existsSync(dataDir)) return [];
  const dir = realpathSync(dataDir);
  const files = new Set(DATABASES.flatMap((name) => ['', '-wal', '-shm'].map((suffix) => join(dir, `${name}${suffix}`))));
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    if (fds.some((fd) => files.has(linkTarget(`/proc/${entry}/fd/${fd}`) ?? ''))) pids.push(Number(entry));
  }
  return pids;
}

function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

const STOP_FIRST = 'the service (or another process) has DATA_DIR open; stop it before a rebuild';

/** SQLite reports a concurrent user late, as a busy or locked database. */
function isLocked(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === 'SQLITE_BUSY' || /database is locked|SQLITE_BUSY|open in another process/i.test(message ?? '');
}

/** Opened and closed again: the rebuild thread must be the only one with the audit file open. */
function auditProjectionNames(dataDir: string): string[] {
  const audit = new AuditReadModel(join(dataDir, 'audit.sqlite'));
  try {
    return audit.names();
  } finally {
    audit.close();
  }
}

/** Prints at most about once a second, and always the last line. */
function progressPrinter(io: CliIo, name: string): { update(position: bigint, head: bigint): void; done(events: number, seconds: number): void } {
  let lastPrint = 0;
  return {
    update(position, head) {
      const now = performance.now();
      if (now - lastPrint < 1000 && position < head) return;
      lastPrint = now;
      const percent = head > 0n ? Number((position * 1000n) / head) / 10 : 100;
      io.out(`${name}: position ${position} of ${head} (${percent.toFixed(1)}%)`);
    },
    done(events, seconds) {
      io.out(`${name}: rebuilt from ${events} events in ${seconds.toFixed(1)} s (${Math.round(events / Math.max(seconds, 0.001))} events/s)`);
    },
  };
}

export const projectionCommands: CliCommand[] = [
  {
    name: ['projections', 'rebuild'],
    usage: 'projections rebuild [--only scim-read-model,audit,<audit projection>...] [--data-dir ./data]',
    flags: ['only', 'data-dir'],
    summary: 'replay the log into the read models from zero, offline on DATA_DIR (stop the service first)',
    async run(args, io) {
      const only = flag(args, 'only')?.split(',').map((s) => s.trim()).filter(Boolean);
      const dataDir = dataDirOf(args, io);
      const users = processesUsing(dataDir);
      if (users.length > 0) throw new Error(`${STOP_FIRST}: process ${users.join(', ')} has files in ${dataDir} open. Nothing was changed`);
      const { store, url } = await openStore(args, io);
      try {
        const auditNames = auditProjectionNames(dataDir);
        const unknown = (only ?? []).filter((n) => n !== SCIM && n !== 'audit' && !auditNames.includes(n));
        if (unknown.length > 0) throw new CliUsageError(`unknown projection ${unknown.join(', ')} (known: ${[SCIM, 'audit', ...auditNames].join(', ')})`);
        const printers = new Map<string, ReturnType<typeof progressPrinter>>();
        const printer = (part: string) => printers.get(part) ?? printers.set(part, progressPrinter(io, part)).get(part)!;
        await rebuildProjections({
          dataDir, storeUrl: url,
          scim: !only || only.includes(SCIM),
          audit: !only || only.includes('audit') ? auditNames : only.filter((n) => auditNames.includes(n)),
          onProgress: (part, position, head) => printer(part).update(position, head),
          onDone: (part, events, seconds) => printer(part).done(events, seconds),
        });
        return 0;
      } catch (error) {
        if (isLocked(error)) throw new Error(`${STOP_FIRST}, then run the rebuild again (${dataDir}: ${(error as Error).message})`);
        throw error;
      } finally {
        await store.close();
      }
    },
  },
  {
    name: ['projections', 'status'],
    usage: 'projections status [--data-dir ./data]',
    flags: ['data-dir'],
    summary: 'show how far each read model is behind the log (offline, on DATA_DIR)',
    async run(args, io) {
      const { store, dataDir } = await openStore(args, io);
      const readModel = new ScimReadModel(join(dataDir, 'read-model.sqlite'));
      const audit = new AuditReadModel(join(dataDir, 'audit.sqlite'));
      try {
        const head = await store.headPosition();
        const rows: Array<[string, bigint]> = [[SCIM, readModel.checkpoint()], ...audit.checkpoints()];
        io.out(`log head position ${head}`);
        io.out(['projection'.padEnd(22), 'checkpoint'.padStart(12), 'lag'.padStart(12)].join('  '));
        for (const [name, checkpoint] of rows) {
          const lag = head > checkpoint ? head - checkpoint : 0n;
          io.out([name.padEnd(22), String(checkpoint).padStart(12), String(lag).padStart(12)].join('  '));
        }
        return 0;
      } finally {
        readModel.close();
        audit.close();
        await store.close();
      }
    },
  },
];
