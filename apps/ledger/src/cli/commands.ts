import type { CliCommand } from './cli-command';
import { auditorCommands } from './commands/auditors.command';
import { tenantCommands } from './commands/tenants.command';
import { projectionCommands } from './commands/projections.command';
import { slaCommands } from './commands/sla.command';
import { tokenCommands } from './commands/tokens.command';
import { verifyCommands } from './commands/verify.command';

/** Every CLI command; add a file under commands/ and list it here. */
export const COMMANDS: CliCommand[] = [...tenantCommands, ...tokenCommands, ...auditorCommands, ...projectionCommands, ...verifyCommands, ...slaCommands];
