#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.ts';
import { packageInfo } from './package-info.ts';

/**
 * Each subcommand's module (and all it imports) loads only when that
 * subcommand runs or shows its help: `relaykit --version` stays fast.
 */
const COMMANDS: Record<string, { description: string; load: () => Promise<Command> }> = {
  token: {
    description: 'mint a bearer token for the rendezvous (printed on stdout)',
    load: async () => (await import('./commands/token.ts')).tokenCommand(),
  },
  executor: {
    description: 'run the exec-server: local WebSocket mode (--listen) or remote relay mode (--registry)',
    load: async () => (await import('./commands/executor.ts')).executorCommand(),
  },
  exec: {
    description:
      'run a command on the executor, stream its output, exit with its exit code (128+n for signal n)',
    load: async () => (await import('./commands/exec.ts')).execCommand(),
  },
  shell: {
    description: 'open an interactive shell on the executor (PTY, raw mode, window resize)',
    load: async () => (await import('./commands/shell.ts')).shellCommand(),
  },
  status: {
    description: "show the rendezvous' view of an executor: sockets, streams, frames, drops, object starts",
    load: async () => (await import('./commands/status.ts')).statusCommand(),
  },
  sim: {
    description: 'run the whole relay locally with injected faults and report what got through',
    load: async () => (await import('./commands/sim.ts')).simCommand(),
  },
  init: {
    description:
      'write a project from a template: `init rendezvous DIR` deploys the rendezvous with wrangler',
    load: async () => (await import('./commands/init.ts')).initCommand(),
  },
};

/** The subcommand the arguments name (`relaykit help X` names X), if any. */
function requestedCommand(args: readonly string[]): string | undefined {
  const [first, second] = args.filter((arg) => !arg.startsWith('-'));
  return first === 'help' ? second : first;
}

const program = new Command('relaykit')
  .description('Build, run and break a remote-execution relay.')
  .version(packageInfo.version)
  .exitOverride();

const requested = requestedCommand(process.argv.slice(2));
for (const [name, { description, load }] of Object.entries(COMMANDS)) {
  const command = name === requested ? await load() : new Command(name);
  program.addCommand(command.description(description));
}

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
