import type { RawData } from 'ws';

/** Close code for a message of the wrong kind (text on a relay socket, binary on a JSON-RPC one). */
export const CLOSE_UNSUPPORTED_DATA = 1003;

/** The bytes of a `ws` message, whatever shape `ws` delivered them in (no copy unless fragmented). */
export function rawBytes(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return data;
}
