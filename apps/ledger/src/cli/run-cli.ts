import { COMMANDS } from './commands';
import { CliUsageError, parseArgs, type CliIo } from './cli-command';

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const command = COMMANDS.filter((c) => c.name.every((word, i) => args.positional[i] === word)).sort((a, b) => b.name.length - a.name.length)[0];
  if (!command || args.flags['help'] === true) {
    io.err('usage: scim-ledger <command> [flags]\n');
    for (const c of COMMANDS) io.err(`  ${c.usage}\n      ${c.summary}`);
    return command ? 0 : 64;
  }
  try {
    return await command.run({ positional: args.positional.slice(command.name.length), flags: args.flags }, io);
  } catch (error) {
    io.err(error instanceof CliUsageError ? `usage: scim-ledger ${command.usage}\n${error.message}` : `error: ${(error as Error).message}`);
    return error instanceof CliUsageError ? 64 : 1;
  }
}
