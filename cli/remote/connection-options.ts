import { type Command, InvalidArgumentError, Option } from 'commander';
import { FatalConnectError } from '../../endpoint/index.ts';
import type { HarnessClient } from '../../harness/client.ts';
import type { ConnectOptions } from '../../harness/connect-options.ts';
import { HarnessConnectError } from '../../harness/errors.ts';
import { connect, type RelaySecurityOptions } from '../../harness/index.ts';
import { SECURE_PROFILE, SECURITY_PROFILES, type SecurityProfile } from '../../proto/secure-relay.ts';
import { RendezvousError } from '../../registry/index.ts';
import { loadKeyFile, SecureChannelError } from '../../secure/index.ts';
import { positiveInteger } from '../arguments.ts';
import { CliError } from '../errors.ts';
import { publicKeyArgument } from '../public-key-argument.ts';

export interface ConnectionFlags {
  url?: string;
  registry?: string;
  executorId?: string;
  token?: string;
  connectTimeoutMs?: number;
  legacyRelay?: boolean;
  securityProfile?: SecurityProfile;
  keyFile?: string;
  harnessAuthorization?: string;
  executorKey?: string;
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
      "relay mode: speak upstream's legacy generation (no acks, no retransmission) to an executor that speaks only that",
    )
    .addOption(
      new Option(
        '--security-profile <profile>',
        'relay mode: insist on the secure relay or on cleartext (default: what the executor registered)',
      ).choices(SECURITY_PROFILES),
    )
    .option('--key-file <path>', 'relay mode: the harness identity (relaykit keygen; default: a fresh one)')
    .option(
      '--harness-authorization <token>',
      'relay mode: the authorization to present (relaykit authorize-harness) instead of the rendezvous one (default: $RELAYKIT_HARNESS_AUTHORIZATION)',
    )
    .option(
      '--executor-key <json-or-file>',
      "relay mode: the executor's public key to expect; any other is refused",
    )
    .option(
      '--connect-timeout-ms <ms>',
      'how long the executor may take to answer the first request (default 20000)',
      positiveInteger,
    )
    .option('--cwd <dir>', 'working directory on the executor')
    .option('--env <KEY=VALUE>', 'extra environment variable (repeatable)', collectEnv);
}

/** The harness side of the secure relay, from the flags. */
async function securityFrom(flags: ConnectionFlags): Promise<RelaySecurityOptions> {
  const authorization = flags.harnessAuthorization ?? process.env.RELAYKIT_HARNESS_AUTHORIZATION;
  const secureOnly =
    flags.keyFile !== undefined || authorization !== undefined || flags.executorKey !== undefined;
  if (flags.securityProfile === 'cleartext' && secureOnly) {
    throw new CliError('--key-file, --harness-authorization and --executor-key need the secure relay', 2);
  }
  let identity: RelaySecurityOptions['identity'];
  try {
    if (flags.keyFile !== undefined) identity = await loadKeyFile(flags.keyFile);
  } catch (error) {
    if (error instanceof SecureChannelError) throw new CliError(error.message, 2);
    throw error;
  }
  return {
    security:
      flags.securityProfile === undefined
        ? 'auto'
        : flags.securityProfile === SECURE_PROFILE
          ? 'secure'
          : 'cleartext',
    ...(identity && { identity }),
    ...(authorization && { authorization }),
    ...(flags.executorKey !== undefined && {
      executorPublicKey: await publicKeyArgument(flags.executorKey, '--executor-key'),
    }),
  };
}

/** Turns the flags into connect options; bad combinations are usage errors (exit 2). */
async function connectOptionsFrom(flags: ConnectionFlags): Promise<ConnectOptions> {
  if (flags.url !== undefined && flags.registry !== undefined) {
    throw new CliError('use either --url or --registry, not both', 2);
  }
  if (flags.url !== undefined) {
    if (flags.legacyRelay) throw new CliError('--legacy-relay goes with --registry, not --url', 2);
    const relayOnly = [flags.securityProfile, flags.keyFile, flags.harnessAuthorization, flags.executorKey];
    if (relayOnly.some((flag) => flag !== undefined)) {
      throw new CliError('the secure relay flags go with --registry, not --url', 2);
    }
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
    ...(await securityFrom(flags)),
    ...(flags.legacyRelay && { relay: { legacy: true } }),
  };
}

/** Connects, turning every expected connect failure into a one-line CliError. */
export async function connectForCli(flags: ConnectionFlags): Promise<HarnessClient> {
  const options = await connectOptionsFrom(flags);
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
