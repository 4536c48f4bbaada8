import { Command } from 'commander';
import {
  addConnectionOptions,
  type ConnectionFlags,
  type ProcessFlags,
} from '../remote/connection-options.ts';
import { runRemoteAndExit } from '../remote/run-remote.ts';

interface ShellFlags extends ConnectionFlags, ProcessFlags {
  shell?: string;
}

/** `relaykit shell …`: an interactive login-less shell on the executor under a PTY. */
export function shellCommand(): Command {
  const command = new Command('shell')
    .usage('[--url ws://HOST:PORT | --registry URL --executor-id ID] [options]')
    .option('--shell <path>', 'shell to run (default: the executor’s shell)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  return addConnectionOptions(command).action((flags: ShellFlags) =>
    runRemoteAndExit(flags, true, async (client) => [
      flags.shell ?? (await client.environmentInfo()).shell.path,
    ]),
  );
}
