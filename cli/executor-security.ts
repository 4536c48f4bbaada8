import type { Command } from 'commander';
import { Option } from 'commander';
import type { ExecutorSecurity } from '../executor/index.ts';
import { SECURE_PROFILE, SECURITY_PROFILES, type SecurityProfile } from '../proto/secure-relay.ts';
import { AllowedHarnessKeys, loadKeyFile, parseTrustAnchor, SecureChannelError } from '../secure/index.ts';
import { CliError } from './errors.ts';

export interface ExecutorSecurityFlags {
  securityProfile: SecurityProfile;
  keyFile?: string;
  trustAnchor?: string[];
  allowedHarnessKeys?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** The executor's security flags (relay mode). */
export function addExecutorSecurityOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--security-profile <profile>',
        'remote mode: the secure relay (end-to-end Noise; the rendezvous sees ciphertext only) or cleartext',
      )
        .choices(SECURITY_PROFILES)
        .default(SECURE_PROFILE),
    )
    .option('--key-file <path>', 'remote mode: the executor identity (relaykit keygen; default: a fresh one)')
    .option(
      '--trust-anchor <public-key>',
      'remote mode: accept harnesses whose authorization this anchor signed (relaykit authorize-harness), checked here with no registry call (repeatable)',
      collect,
    )
    .option(
      '--allowed-harness-keys <file>',
      'remote mode: accept harnesses whose public key is in this JSON array, with no registry call',
    );
}

/** The security the flags ask for; bad flags or files are one-line errors. */
export async function executorSecurity(flags: ExecutorSecurityFlags): Promise<ExecutorSecurity> {
  const local = flags.trustAnchor !== undefined || flags.allowedHarnessKeys !== undefined;
  if (flags.securityProfile === 'cleartext') {
    if (flags.keyFile !== undefined || local) {
      throw new CliError('--key-file, --trust-anchor and --allowed-harness-keys need the secure profile', 2);
    }
    return { profile: 'cleartext' };
  }
  try {
    return {
      profile: SECURE_PROFILE,
      ...(flags.keyFile !== undefined && { identity: await loadKeyFile(flags.keyFile) }),
      ...(local && {
        localPolicy: {
          trustAnchors: (flags.trustAnchor ?? []).map(parseTrustAnchor),
          ...(flags.allowedHarnessKeys !== undefined && {
            allowedKeys: await AllowedHarnessKeys.load(flags.allowedHarnessKeys),
          }),
        },
      }),
    };
  } catch (error) {
    if (error instanceof SecureChannelError) throw new CliError(error.message, 2);
    throw error;
  }
}
