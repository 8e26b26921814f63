/** One CLI command: `scim-ledger <name...> [--flag value]`. */
export interface CliCommand {
  /** Words that select the command, e.g. ['tenants', 'create']. */
  name: string[];
  usage: string;
  summary: string;
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

export function flag(args: CliArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredFlag(args: CliArgs, name: string): string {
  const value = flag(args, name);
  if (value === undefined) throw new CliUsageError(`--${name} is required`);
  return value;
}
