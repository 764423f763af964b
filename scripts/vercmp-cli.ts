/**
 * A tiny entry point with only `vercmp` registered, for tests and benches
 * (`node --import tsx scripts/vercmp-cli.ts vercmp rpm 1.0 1.1`). Exit codes
 * as `cli/main.ts`: 0, or 2 for a usage error or an invalid version.
 */
import { Command, CommanderError } from 'commander';
import { registerVercmpCommand } from '../src/cli/commands/vercmp.js';

const program = new Command('mamori').exitOverride();
registerVercmpCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  process.exitCode = e.exitCode === 0 ? 0 : 2;
}
