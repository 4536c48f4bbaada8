import { CliError } from '../../cli/errors.ts';
import type { Signal } from '../../proto/rpc/index.ts';
import type { HarnessClient } from '../client.ts';
import { RpcError } from '../errors.ts';
import type { ProcessHandle } from '../process-handle.ts';
import { exitCodeOf, forwardStdin, pumpOutput } from './process-io.ts';
import { attachTerminal, terminalSize } from './terminal.ts';

export interface RemoteRunSpec {
  argv: string[];
  tty: boolean;
  cwd?: string;
  env: Record<string, string>;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const satisfies readonly Signal[];

/**
 * Runs one remote process wired to the local stdio and returns the exit
 * code to leave with. With a PTY and a local terminal the session is
 * interactive (raw mode, resize); otherwise piped stdin is forwarded and
 * local SIGINT/SIGTERM/SIGHUP are passed on (a second SIGINT gives up locally).
 */
export async function runRemote(client: HarnessClient, spec: RemoteRunSpec): Promise<number> {
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
    return exitCodeOf(await handle.wait());
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
