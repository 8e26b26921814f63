import { resolve } from 'node:path';
/** One CLI command: `scim-ledger <name...> [--flag value]`. */
export interface CliCommand {
  /** Words that select the command, e.g. ['tenants', 'create']. */
  name: string[];
  usage: string;
  summary: string;
  /** Flags that take a value; any other flag is refused, so a typo is not silently ignored. */
  flags: string[];
  /** Flags that take no value, e.g. --resume. */
  switches?: string[];
  /** Whether words after the name are arguments (else they are refused). */
  positional?: boolean;
  run(args: CliArgs, io: CliIo): Promise<number>;
}

export interface CliArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

/** How admin commands reach the service; see AdminClient.from. */
export const ADMIN_FLAGS = ['url', 'admin-token', 'data-dir'];

export function parseArgs(argv: string[]): CliArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (inline !== undefined) flags[key] = inline;
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags[key] = argv[++i]!;
      else flags[key] = true;
    } else positional.push(arg);
  }
  return { positional, flags };
}

export class CliUsageError extends Error {}

/** Refuses flags and arguments the command does not take, naming the first one. */
export function checkArgs(command: CliCommand, args: CliArgs): void {
  const switches = command.switches ?? [];
  for (const [name, value] of Object.entries(args.flags)) {
    if (command.flags.includes(name)) {
      if (value === true) throw new CliUsageError(`--${name} needs a value`);
    } else if (switches.includes(name)) {
      if (value !== true) throw new CliUsageError(`--${name} takes no value (got '${value}')`);
    } else {
      throw new CliUsageError(`unknown flag --${name} for '${command.name.join(' ')}'`);
    }
  }
  if (!command.positional && args.positional.length > 0) throw new CliUsageError(`unexpected argument '${args.positional[0]}' for '${command.name.join(' ')}'`);
}

/** The service's data directory, as every command finds it: --data-dir, else DATA_DIR, else ./data. */
export function dataDirOf(args: CliArgs, io: CliIo): string {
  return resolve(flag(args, 'data-dir') ?? io.env['DATA_DIR'] ?? './data');
}

export function flag(args: CliArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredFlag(args: CliArgs, name: string): string {
  const value = flag(args, name);
  if (value === undefined) throw new CliUsageError(`--${name} is required`);
  return value;
}
