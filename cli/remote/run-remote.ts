import type { HarnessClient } from '../../harness/client.ts';
import { RpcError } from '../../harness/errors.ts';
import type { ProcessHandle } from '../../harness/process-handle.ts';
import type { Signal } from '../../proto/rpc/index.ts';
import { CliError } from '../errors.ts';
import { type ConnectionFlags, connectForCli, type ProcessFlags } from './connection-options.ts';
import { flushStdio, forwardStdin, pumpOutput } from './process-io.ts';
import { attachTerminal, terminalSize } from './terminal.ts';

interface RemoteRunSpec {
  argv: string[];
  tty: boolean;
  cwd?: string;
  env: Record<string, string>;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const satisfies readonly Signal[];

/**
 * What `exec` and `shell` do: connect with the flags, run the command that
 * `argvOn` names (it may ask the executor) wired to the local stdio, close,
 * and exit with the remote exit code.
 */
export async function runRemoteAndExit(
  flags: ConnectionFlags & ProcessFlags,
  tty: boolean,
  argvOn: (client: HarnessClient) => Promise<string[]>,
): Promise<void> {
  const client = await connectForCli(flags);
  let code: number;
  try {
    code = await runRemote(client, {
      argv: await argvOn(client),
      tty,
      env: flags.env ?? {},
      ...(flags.cwd && { cwd: flags.cwd }),
    });
  } finally {
    await client.close();
  }
  await flushStdio();
  process.exit(code);
}

/**
 * Runs one remote process wired to the local stdio and returns the exit
 * code to leave with. With a PTY and a local terminal the session is
 * interactive (raw mode, resize); otherwise piped stdin is forwarded and
 * local SIGINT/SIGTERM/SIGHUP are passed on (a second SIGINT gives up locally).
 */
async function runRemote(client: HarnessClient, spec: RemoteRunSpec): Promise<number> {
  const interactive = spec.tty && process.stdin.isTTY === true;
  const forwardPipedStdin = process.stdin.isTTY !== true;
  let handle: ProcessHandle;
  try {
    handle = await client.exec(spec.argv, {
      tty: spec.tty,
      env: spec.env,
      ...(spec.cwd !== undefined && { cwd: spec.cwd }),
      ...(spec.tty && terminalSize()),
      ...(forwardPipedStdin && { pipeStdin: true }),
    });
  } catch (err) {
    if (err instanceof RpcError) throw new CliError(`cannot start ${spec.argv[0]}: ${err.message}`);
    throw new CliError((err as Error).message);
  }
  const stopInput = interactive
    ? attachTerminal(handle)
    : forwardPipedStdin
      ? forwardStdin(handle)
      : () => {};
  const stopSignals = interactive ? () => {} : forwardSignals(handle);
  try {
    await pumpOutput(handle);
    // 128+n for a death by signal n, as the executor reports it.
    return (await handle.wait()).exitCode;
  } catch (err) {
    throw new CliError((err as Error).message);
  } finally {
    stopInput();
    stopSignals();
  }
}

function forwardSignals(handle: ProcessHandle): () => void {
  let interrupts = 0;
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => {
      if (signal === 'SIGINT' && ++interrupts > 1) process.exit(130);
      handle.signal(signal).catch(() => {});
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => {
    for (const off of handlers) off();
  };
}
