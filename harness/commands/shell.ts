import { Command } from 'commander';
import {
  addConnectionOptions,
  type ConnectionFlags,
  connectForCli,
  type ProcessFlags,
} from './connection-options.ts';
import { flushStdio } from './process-io.ts';
import { runRemote } from './run-remote.ts';

interface ShellFlags extends ConnectionFlags, ProcessFlags {
  shell?: string;
}

/** `relaykit shell …`: an interactive login-less shell on the executor under a PTY. */
export function shellCommand(): Command {
  const command = new Command('shell')
    .description('open an interactive shell on the executor (PTY, raw mode, window resize)')
    .usage('[--url ws://HOST:PORT | --registry URL --executor-id ID] [options]')
    .option('--shell <path>', 'shell to run (default: the executor’s shell)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  return addConnectionOptions(command).action(async (flags: ShellFlags) => {
    const client = await connectForCli(flags);
    let code: number;
    try {
      const shell = flags.shell ?? (await client.environmentInfo()).shell.path;
      code = await runRemote(client, {
        argv: [shell],
        tty: true,
        env: flags.env ?? {},
        ...(flags.cwd && { cwd: flags.cwd }),
      });
    } finally {
      await client.close();
    }
    await flushStdio();
    process.exit(code);
  });
}
