/**
 * `relaykit token executor|harness --executor-id ID [--ttl 24h]`: mints a
 * bearer token for the rendezvous and prints it, alone, on stdout.
 *
 * The signing key comes from --signing-key, else the SIGNING_KEY environment
 * variable, else SIGNING_KEY in ./.dev.vars (the file `wrangler dev` reads).
 */
import { resolve } from 'node:path';
import { Argument, Command } from 'commander';
import { isValidId } from '../../proto/registry.ts';
import { readDevVar } from '../../sim/dev-vars.ts';
import { mintToken, parseTtl, type Role } from '../../worker/tokens.ts';
import { CliError } from '../errors.ts';

interface TokenOptions {
  executorId: string;
  ttl: string;
  signingKey?: string;
  subject?: string;
}

function signingKey(explicit: string | undefined): string {
  const key = explicit ?? process.env.SIGNING_KEY ?? readDevVar(resolve('.dev.vars'), 'SIGNING_KEY');
  if (key === undefined || key === '') {
    throw new CliError(
      'no signing key: pass --signing-key, set SIGNING_KEY, or put SIGNING_KEY=… in ./.dev.vars',
    );
  }
  return key;
}

export function tokenCommand(): Command {
  return new Command('token')
    .addArgument(new Argument('<role>', 'who the token is for').choices(['executor', 'harness']))
    .requiredOption('--executor-id <id>', 'the executor id the token is scoped to')
    .option('--ttl <duration>', 'lifetime, e.g. 90s, 15m, 24h, 7d', '24h')
    .option('--signing-key <key>', 'signing key (default: $SIGNING_KEY or SIGNING_KEY in ./.dev.vars)')
    .option('--subject <id>', 'identity the token stands for (default: a fresh random id)')
    .action(async (role: Role, opts: TokenOptions) => {
      if (!isValidId(opts.executorId)) {
        throw new CliError(
          `invalid executor id ${JSON.stringify(opts.executorId)}: use 1-256 chars of [A-Za-z0-9_-]`,
        );
      }
      if (opts.subject !== undefined && !isValidId(opts.subject)) {
        throw new CliError(
          `invalid subject ${JSON.stringify(opts.subject)}: use 1-256 chars of [A-Za-z0-9_-]`,
        );
      }
      const ttlSeconds = parseTtl(opts.ttl);
      if (ttlSeconds === undefined)
        throw new CliError(`invalid --ttl ${JSON.stringify(opts.ttl)}: use e.g. 90s, 15m, 24h, 7d`);
      const token = await mintToken(signingKey(opts.signingKey), {
        role,
        executorId: opts.executorId,
        ttlSeconds,
        subject: opts.subject,
        now: Math.floor(Date.now() / 1000),
      });
      process.stdout.write(`${token}\n`);
    });
}
