import { type Command, InvalidArgumentError } from 'commander';
import { FatalConnectError } from '../../endpoint/index.ts';
import type { HarnessClient } from '../../harness/client.ts';
import type { ConnectOptions } from '../../harness/connect-options.ts';
import { HarnessConnectError } from '../../harness/errors.ts';
import { connect } from '../../harness/index.ts';
import { RendezvousError } from '../../registry/index.ts';
import { positiveInteger } from '../arguments.ts';
import { CliError } from '../errors.ts';

export interface ConnectionFlags {
  url?: string;
  registry?: string;
  executorId?: string;
  token?: string;
  connectTimeoutMs?: number;
  legacyRelay?: boolean;
}

export interface ProcessFlags {
  cwd?: string;
  env?: Record<string, string>;
}

function collectEnv(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError(`expected KEY=VALUE, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** The options `exec` and `shell` share: where the executor is, and how to start the process. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--url <ws-url>', 'local mode: the executor’s ws://127.0.0.1:PORT URL')
    .option('--registry <url>', 'relay mode: rendezvous base URL')
    .option('--executor-id <id>', 'relay mode: the executor to run on')
    .option('--token <token>', 'relay mode: harness token (default: $RELAYKIT_HARNESS_TOKEN)')
    .option(
      '--legacy-relay',
      "relay mode: speak upstream's legacy cleartext relay (no acks, no retransmission) to an executor that speaks only that",
    )
    .option(
      '--connect-timeout-ms <ms>',
      'how long the executor may take to answer the first request (default 20000)',
      positiveInteger,
    )
    .option('--cwd <dir>', 'working directory on the executor')
    .option('--env <KEY=VALUE>', 'extra environment variable (repeatable)', collectEnv);
}

/** Turns the flags into connect options; bad combinations are usage errors (exit 2). */
function connectOptionsFrom(flags: ConnectionFlags): ConnectOptions {
  if (flags.url !== undefined && flags.registry !== undefined) {
    throw new CliError('use either --url or --registry, not both', 2);
  }
  if (flags.url !== undefined) {
    if (flags.legacyRelay) throw new CliError('--legacy-relay goes with --registry, not --url', 2);
    return { url: flags.url };
  }
  if (flags.registry === undefined) {
    throw new CliError('one of --url ws://HOST:PORT or --registry URL --executor-id ID is required', 2);
  }
  if (flags.executorId === undefined) throw new CliError('--executor-id is required with --registry', 2);
  const token = flags.token ?? process.env.RELAYKIT_HARNESS_TOKEN;
  if (token === undefined || token === '') {
    throw new CliError('a harness token is required: --token or RELAYKIT_HARNESS_TOKEN', 2);
  }
  return {
    registryUrl: flags.registry,
    executorId: flags.executorId,
    token,
    ...(flags.legacyRelay && { relay: { legacy: true } }),
  };
}

/** Connects, turning every expected connect failure into a one-line CliError. */
export async function connectForCli(flags: ConnectionFlags): Promise<HarnessClient> {
  const options = connectOptionsFrom(flags);
  try {
    return await connect({
      ...options,
      clientName: 'relaykit-cli',
      ...(flags.connectTimeoutMs !== undefined && { firstAnswerTimeoutMs: flags.connectTimeoutMs }),
    });
  } catch (err) {
    if (
      err instanceof HarnessConnectError ||
      err instanceof RendezvousError ||
      err instanceof FatalConnectError
    ) {
      throw new CliError(err.message);
    }
    throw err;
  }
}
