/**
 * Strict base64: only the canonical encoding of some bytes is accepted
 * (no whitespace, no missing or extra padding, no stray trailing bits),
 * like Rust's `base64` STANDARD engine upstream decodes with.
 */
export type Base64Alphabet = 'base64' | 'base64url';

export function encodeBase64(bytes: Uint8Array, alphabet: Base64Alphabet = 'base64'): string {
  return Buffer.from(bytes).toString(alphabet);
}

export function decodeBase64(text: unknown, alphabet: Base64Alphabet = 'base64'): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, alphabet);
  return bytes.toString(alphabet) === text ? new Uint8Array(bytes) : undefined;
}
