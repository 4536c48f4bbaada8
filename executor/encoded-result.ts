import { ENCODED_JSON, type MaybeEncoded } from '../rpc/index.ts';

/**
 * `result` carrying its own JSON text, its base64 field `key` spliced in as
 * it is: base64 needs no escaping, so a large field is not scanned and
 * copied by JSON.stringify (the answer is built once, as text).
 */
export function withBase64Json<T extends object>(result: T, key: keyof T & string): T & MaybeEncoded {
  const { [key]: data, ...rest } = result;
  const others = JSON.stringify(rest);
  const text = `{"${key}":"${String(data)}"${others === '{}' ? '}' : `,${others.slice(1)}`}`;
  return { ...result, [ENCODED_JSON]: text };
}
