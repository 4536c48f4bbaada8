/**
 * A JSON-RPC message object may carry its own serialization under
 * `ENCODED_JSON`: exactly the text `JSON.stringify` gives for it. Transports
 * then send that text instead of serializing the object again, which for a
 * large message means scanning every character for escapes. JSON.stringify
 * ignores symbol keys, so such an object still serializes (and inspects)
 * like a plain message wherever the text is not used.
 */
export const ENCODED_JSON: unique symbol = Symbol('relaykit.encodedJson');

export interface MaybeEncoded {
  readonly [ENCODED_JSON]?: string;
}

/** The message's JSON text: the one it carries, else freshly serialized. */
export function messageJson(message: object): string {
  return (message as MaybeEncoded)[ENCODED_JSON] ?? JSON.stringify(message);
}
