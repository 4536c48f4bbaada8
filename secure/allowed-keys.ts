/**
 * The allowed harness keys file: a JSON array of public keys in their wire
 * form. A harness whose key is listed needs no authorization token.
 */
import { readFile } from 'node:fs/promises';
import { SecureChannelError } from './errors.ts';
import { parseJson } from './json.ts';
import { NoisePublicKey } from './public-key.ts';

function invalid(reason: string, cause?: unknown): SecureChannelError {
  return new SecureChannelError('invalid_allowed_keys', `invalid allowed harness keys: ${reason}`, { cause });
}

export class AllowedHarnessKeys {
  #fingerprints: Set<string>;

  constructor(keys: readonly NoisePublicKey[]) {
    this.#fingerprints = new Set(keys.map((key) => key.fingerprint()));
  }

  static parse(text: string): AllowedHarnessKeys {
    const value = parseJson(text, invalid);
    if (!Array.isArray(value)) throw invalid('expected a JSON array of public keys');
    return new AllowedHarnessKeys(
      value.map((entry, index) => {
        try {
          return NoisePublicKey.fromJSON(entry);
        } catch (error) {
          throw invalid(`entry ${index}: ${(error as Error).message}`, error);
        }
      }),
    );
  }

  static async load(path: string): Promise<AllowedHarnessKeys> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw invalid(`cannot read ${path} (${(error as NodeJS.ErrnoException).code})`, error);
    }
    return AllowedHarnessKeys.parse(text);
  }

  get size(): number {
    return this.#fingerprints.size;
  }

  allows(key: NoisePublicKey): boolean {
    return this.#fingerprints.has(key.fingerprint());
  }
}
