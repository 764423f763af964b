/** The `mamori` command. */
import { Command, CommanderError } from 'commander';
import { isAppError } from '../errors.js';
import { registerFindingsCommand, registerVulnCommand } from './commands/findings.js';
import { registerFeedsSyncCommand } from './commands/feeds-sync.js';
import { registerFeedsCommand } from './commands/feeds.js';
import { registerHostsCommand } from './commands/hosts.js';
import { registerInventoryCommand } from './commands/inventory.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerMatchCommand, registerReconcileCommand } from './commands/match.js';
import { registerServeCommand } from './commands/serve.js';
import { registerVercmpCommand } from './commands/vercmp.js';

export function buildProgram(): Command {
  const program = new Command('mamori')
    .description('Mamori: continuous vulnerability management for Linux server fleets')
    .version('0.1.0')
    .option('--data-dir <dir>', 'data directory of the embedded database (env MAMORI_DATA_DIR; default ./mamori-data)')
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded database (env DATABASE_URL)')
    .showHelpAfterError()
    // before the subcommands are added, so they inherit it: usage errors exit 2, not 1
    .exitOverride();
  registerServeCommand(program);
  registerKeysCommand(program);
  registerHostsCommand(program);
  registerInventoryCommand(program);
  registerVercmpCommand(program);
  registerMatchCommand(program);
  registerReconcileCommand(program);
  registerFindingsCommand(program);
  registerVulnCommand(program);
  registerFeedsCommand(program);
  // after the other commands: `feeds sync` joins the `feeds` command when it exists
  registerFeedsSyncCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // a command may set its own exit status (e.g. `match --fail-on`)
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isAppError(e)) {
      process.stderr.write(`error: ${e.message} (${e.code})\n`);
      return e.code === 'ERR_VALIDATION' || e.code === 'ERR_VERSION_INVALID' ? 2 : 1;
    }
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}


