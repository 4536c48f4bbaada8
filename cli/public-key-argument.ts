import { readFile } from 'node:fs/promises';
import { NoisePublicKey } from '../secure/index.ts';
import { CliError } from './errors.ts';

/**
 * A public key given on the command line: its JSON (`{"suite", …}`, as
 * `relaykit keygen` prints it), or a file holding that JSON or an identity
 * key file (whose `public_key` is taken; the private parts are not read
 * into anything else).
 */
export async function publicKeyArgument(value: string, flag: string): Promise<NoisePublicKey> {
  let text = value;
  if (!value.trimStart().startsWith('{')) {
    try {
      text = await readFile(value, 'utf8');
    } catch (error) {
      throw new CliError(`${flag}: cannot read ${value} (${(error as NodeJS.ErrnoException).code})`, 2);
    }
  }
  try {
    const json = JSON.parse(text) as { public_key?: unknown };
    return NoisePublicKey.fromJSON(json.public_key ?? json);
  } catch (error) {
    throw new CliError(`${flag}: ${(error as Error).message}`, 2);
  }
}
