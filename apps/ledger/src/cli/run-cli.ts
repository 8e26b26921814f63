import { ADMIN_CONNECTION_HELP } from './admin-client';
import { COMMANDS } from './commands';
import { CliUsageError, checkArgs, parseArgs, type CliCommand, type CliIo } from './cli-command';

const EX_USAGE = 64;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  if (args.flags['help'] !== undefined || args.positional[0] === 'help' || args.positional.includes('-h')) {
    usage(io.out);
    return 0;
  }
  const command = COMMANDS.filter((c) => c.name.every((word, i) => args.positional[i] === word)).sort((a, b) => b.name.length - a.name.length)[0];
  if (!command) {
    io.err(`error: ${unknownCommand(args.positional)}\n`);
    usage(io.err);
    return EX_USAGE;
  }
  const commandArgs = { positional: args.positional.slice(command.name.length), flags: args.flags };
  try {
    checkArgs(command, commandArgs);
    return await command.run(commandArgs, io);
  } catch (error) {
    io.err(error instanceof CliUsageError ? `usage: scim-ledger ${command.usage}\n${error.message}` : `error: ${(error as Error).message}`);
    return error instanceof CliUsageError ? EX_USAGE : 1;
  }
}

function usage(print: (line: string) => void): void {
  print('usage: scim-ledger <command> [flags]    (scim-ledger --help prints this)\n');
  for (const c of COMMANDS) print(`  ${c.usage}\n      ${c.summary}`);
  print('');
  for (const line of ADMIN_CONNECTION_HELP) print(line);
}

function unknownCommand(words: string[]): string {
  if (words.length === 0) return 'no command given';
  const group = COMMANDS.filter((c) => c.name[0] === words[0]);
  if (group.length > 0 && words.length === 1) return `'${words[0]}' needs a subcommand: ${group.map((c) => c.name.join(' ')).join(', ')}`;
  // Name as many words as the closest commands have, so 'tenants lst' is named whole.
  const typed = words.slice(0, Math.max(1, ...group.map((c) => c.name.length))).join(' ');
  const suggestion = closest(typed, words);
  return `unknown command '${typed}'${suggestion ? `; did you mean '${suggestion.name.join(' ')}'?` : ''}`;
}

function closest(typed: string, words: string[]): CliCommand | undefined {
  let best: { command: CliCommand; distance: number } | undefined;
  for (const command of COMMANDS) {
    const name = command.name.join(' ');
    const distance = editDistance(words.slice(0, command.name.length).join(' '), name);
    if (distance <= Math.max(2, Math.floor(name.length / 4)) && (!best || distance < best.distance)) best = { command, distance };
  }
  return best && best.command.name.join(' ') !== typed ? best.command : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
