import { Command, CommanderError } from 'commander';
import { CliError } from './errors.ts';
import { tokenCommand } from './token.ts';

const program = new Command('relaykit')
  .description('Build, run and break a remote-execution relay.')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program.addCommand(tokenCommand());
program.addCommand((await import('../executor/command.ts')).executorCommand());
program.addCommand((await import('../harness/commands/exec.ts')).execCommand());
program.addCommand((await import('../harness/commands/shell.ts')).shellCommand());
program.addCommand((await import('../sim/command.ts')).simCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof CliError) {
    process.stderr.write(`relaykit: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  throw err;
}
