/**
 * `relaykit keygen --out FILE`: a static identity for an executor or a
 * harness (the secure relay's X25519 + ML-KEM-768 key pair), written with
 * mode 0600; its public key JSON goes to stdout.
 *
 * `relaykit keygen --trust-anchor --out FILE`: an Ed25519 trust anchor (the
 * private key as PKCS#8 PEM, mode 0600) whose holder signs harness keys
 * (`relaykit authorize-harness`); its public half, for the executor's
 * `--trust-anchor`, goes to stdout.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { formatTrustAnchor, StaticIdentity, saveKeyFile } from '../../secure/index.ts';
import { CliError } from '../errors.ts';

interface KeygenFlags {
  out: string;
  trustAnchor?: boolean;
  force?: boolean;
}

async function writeSecret(flags: KeygenFlags, write: (overwrite: boolean) => Promise<void>): Promise<void> {
  try {
    await write(flags.force === true);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`${flags.out} exists; pass --force to replace it`);
    throw new CliError(`cannot write ${flags.out} (${code ?? (error as Error).message})`);
  }
}

export function keygenCommand(): Command {
  return new Command('keygen')
    .requiredOption('--out <file>', 'where to write the private key (mode 0600)')
    .option('--trust-anchor', 'an Ed25519 trust anchor instead of a relay identity')
    .option('--force', 'replace an existing file')
    .action(async (flags: KeygenFlags) => {
      if (flags.trustAnchor) {
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
        await writeSecret(flags, (overwrite) =>
          writeFile(flags.out, pem, { mode: 0o600, flag: overwrite ? 'w' : 'wx' }),
        );
        process.stdout.write(`${formatTrustAnchor(publicKey)}\n`);
        return;
      }
      const identity = StaticIdentity.generate();
      await writeSecret(flags, (overwrite) => saveKeyFile(flags.out, identity, { overwrite }));
      process.stdout.write(`${identity.publicKey.toString()}\n`);
    });
}
