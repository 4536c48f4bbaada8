/**
 * `relaykit authorize-harness --anchor-key FILE --harness-key KEY
 * --executor-id ID [--registration-id ID] [--ttl 24h]`: signs, with a trust
 * anchor, the authorization an executor started with that `--trust-anchor`
 * checks by itself; prints the token alone on stdout.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { isValidId } from '../../proto/registry.ts';
import { SecureChannelError, signHarnessAuthorization } from '../../secure/index.ts';
import { parseTtl } from '../../worker/tokens.ts';
import { CliError } from '../errors.ts';
import { publicKeyArgument } from '../public-key-argument.ts';

interface AuthorizeFlags {
  anchorKey: string;
  harnessKey: string;
  executorId: string;
  registrationId?: string;
  ttl: string;
}

async function anchorKey(path: string): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`--anchor-key: cannot read a private key from ${path}${code ? ` (${code})` : ''}`, 2);
  }
}

export function authorizeHarnessCommand(): Command {
  return new Command('authorize-harness')
    .requiredOption('--anchor-key <file>', 'the trust anchor (relaykit keygen --trust-anchor)')
    .requiredOption('--harness-key <json-or-file>', "the harness's public key, or its key file")
    .requiredOption('--executor-id <id>', 'the executor the harness may use')
    .option('--registration-id <id>', 'one registration of that executor only (default: any)')
    .option('--ttl <duration>', 'lifetime, e.g. 15m, 24h, 7d', '24h')
    .action(async (flags: AuthorizeFlags) => {
      if (!isValidId(flags.executorId)) {
        throw new CliError(`invalid executor id ${JSON.stringify(flags.executorId)}`, 2);
      }
      const ttlSeconds = parseTtl(flags.ttl);
      if (ttlSeconds === undefined) throw new CliError(`invalid --ttl ${JSON.stringify(flags.ttl)}`, 2);
      const harnessPublicKey = await publicKeyArgument(flags.harnessKey, '--harness-key');
      try {
        const token = signHarnessAuthorization(await anchorKey(flags.anchorKey), {
          harnessPublicKey,
          executorId: flags.executorId,
          registrationId: flags.registrationId ?? '*',
          expiresAt: new Date(Date.now() + ttlSeconds * 1000),
        });
        process.stdout.write(`${token}\n`);
      } catch (error) {
        if (error instanceof SecureChannelError) throw new CliError(error.message, 2);
        throw error;
      }
    });
}
