import { Command } from 'commander';
import {
  addConnectionOptions,
  type ConnectionFlags,
  type ProcessFlags,
} from '../remote/connection-options.ts';
import { runRemoteAndExit } from '../remote/run-remote.ts';

interface ExecFlags extends ConnectionFlags, ProcessFlags {
  tty?: boolean;
}

/** `relaykit exec … -- CMD ARGS…`: runs one command remotely and exits with its exit code. */
export function execCommand(): Command {
  const command = new Command('exec')
    .usage('[--url ws://HOST:PORT | --registry URL --executor-id ID] [options] -- CMD [ARGS...]')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .option('--tty', 'run under a pseudo-terminal (interactive when the local stdin is a terminal)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  return addConnectionOptions(command).action((argv: string[], flags: ExecFlags) =>
    runRemoteAndExit(flags, flags.tty === true, async () => argv),
  );
}
