/**
 * A JSON-RPC message object may carry its own serialization under
 * `ENCODED_JSON`: exactly the text `JSON.stringify` gives for it; or under
 * `ENCODED_UTF8`: that text's UTF-8 bytes. Transports then send it instead
 * of serializing the object again, which for a large message means scanning
 * every character for escapes. JSON.stringify ignores symbol keys, so such
 * an object still serializes (and inspects) like a plain message wherever
 * the encoding is not used.
 */
export const ENCODED_JSON: unique symbol = Symbol('relaykit.encodedJson');
export const ENCODED_UTF8: unique symbol = Symbol('relaykit.encodedUtf8');

export interface MaybeEncoded {
  readonly [ENCODED_JSON]?: string;
  readonly [ENCODED_UTF8]?: Buffer;
}

/** The message's JSON text: the one it carries, else freshly serialized. */
export function messageJson(message: object): string {
  const { [ENCODED_JSON]: text, [ENCODED_UTF8]: bytes } = message as MaybeEncoded;
  return text ?? bytes?.toString('utf8') ?? JSON.stringify(message);
}

/** The message as UTF-8 JSON: the bytes it carries, else its text encoded. */
export function messageBytes(message: object): Buffer {
  // Buffer.from encodes UTF-8 faster than TextEncoder, with the same bytes.
  return (message as MaybeEncoded)[ENCODED_UTF8] ?? Buffer.from(messageJson(message), 'utf8');
}
