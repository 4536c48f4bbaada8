import type { RawData } from 'ws';

/** The bytes of a `ws` message, whatever shape `ws` delivered them in (no copy unless fragmented). */
export function rawBytes(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return data;
}
