/**
 * The identity key file (`relaykit keygen`): JSON with the suite, the raw
 * 32-byte X25519 private key and the 64-byte ML-KEM-768 seed (d ‖ z), both
 * standard base64, plus the public key for reference; checked on load.
 * Written with mode 0600; a file others can read is refused.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { SecureChannelError } from './errors.ts';
import { StaticIdentity } from './identity.ts';
import { exactObject, parseJson } from './json.ts';
import { MLKEM768 } from './noise/ml-kem.ts';
import { X25519_KEY_LEN } from './noise/x25519.ts';
import { NOISE_SUITE, NoisePublicKey } from './public-key.ts';

const FIELDS = ['suite', 'x25519_private_key', 'mlkem768_seed', 'public_key'];

function invalid(reason: string, cause?: unknown): SecureChannelError {
  return new SecureChannelError('invalid_key_file', `invalid key file: ${reason}`, { cause });
}

function secret(record: Record<string, unknown>, field: string, length: number): Uint8Array {
  const bytes = decodeBase64(record[field]);
  if (bytes === undefined) throw invalid(`\`${field}\` is not standard base64`);
  if (bytes.length !== length) throw invalid(`\`${field}\` must hold ${length} bytes, not ${bytes.length}`);
  return bytes;
}

export function encodeKeyFile(identity: StaticIdentity): string {
  const file = {
    suite: NOISE_SUITE,
    x25519_private_key: encodeBase64(identity.x25519.exportPrivateKey()),
    mlkem768_seed: encodeBase64(identity.mlkem.exportSeed()),
    public_key: identity.publicKey.toJSON(),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function decodeKeyFile(text: string): StaticIdentity {
  const record = exactObject(parseJson(text, invalid), FIELDS, invalid);
  if (record.suite !== NOISE_SUITE) throw invalid(`unsupported suite ${JSON.stringify(record.suite)}`);
  const identity = new StaticIdentity(
    secret(record, 'x25519_private_key', X25519_KEY_LEN),
    secret(record, 'mlkem768_seed', MLKEM768.seed),
  );
  let stated: NoisePublicKey;
  try {
    stated = NoisePublicKey.fromJSON(record.public_key);
  } catch (error) {
    throw invalid('`public_key` is not a valid public key', error);
  }
  if (!stated.equals(identity.publicKey)) throw invalid('`public_key` does not match the private keys');
  return identity;
}

/**
 * Writes the identity with mode 0600. An existing file is kept unless
 * `overwrite`; then the new file replaces it atomically.
 */
export async function saveKeyFile(
  path: string,
  identity: StaticIdentity,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const text = encodeKeyFile(identity);
  if (!options.overwrite) {
    await writeFile(path, text, { mode: 0o600, flag: 'wx' });
    return;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
  await rename(temporary, path);
}

export async function loadKeyFile(path: string): Promise<StaticIdentity> {
  try {
    if (process.platform !== 'win32') {
      const mode = (await stat(path)).mode & 0o777;
      if ((mode & 0o077) !== 0)
        throw invalid(`group or others may access it (mode ${mode.toString(8)}); chmod 600 it`);
    }
    return decodeKeyFile(await readFile(path, 'utf8'));
  } catch (error) {
    const reason =
      error instanceof SecureChannelError
        ? error.message
        : `cannot read it (${(error as NodeJS.ErrnoException).code})`;
    throw new SecureChannelError('invalid_key_file', `${path}: ${reason}`, { cause: error });
  }
}
