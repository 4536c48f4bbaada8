import { Command, CommanderError } from 'commander';
import { execCommand } from './commands/exec.ts';
import { executorCommand } from './commands/executor.ts';
import { shellCommand } from './commands/shell.ts';
import { simCommand } from './commands/sim.ts';
import { tokenCommand } from './commands/token.ts';
import { CliError } from './errors.ts';

const program = new Command('relaykit')
  .description('Build, run and break a remote-execution relay.')
  .version(process.env.npm_package_version ?? '0.1.0')
  .exitOverride();

program.addCommand(tokenCommand());
program.addCommand(executorCommand());
program.addCommand(execCommand());
program.addCommand(shellCommand());
program.addCommand(simCommand());

/** Usage errors read like every other failure: one line on stderr, exit code 2. */
function oneLineUsageErrors(command: Command, path: string): void {
  command.showHelpAfterError(false).configureOutput({
    outputError: (text, write) => write(`${path}: ${text.replace(/^error: /, '').trim()} (see --help)\n`),
  });
  for (const sub of command.commands) oneLineUsageErrors(sub, `${path} ${sub.name()}`);
}
oneLineUsageErrors(program, 'relaykit');

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Help and version end with code 0; every usage error with 2.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (err instanceof CliError) {
    process.stderr.write(`relaykit: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  throw err;
}
