import { isAscii } from 'node:buffer';

const utf8Decoder = new TextDecoder('utf-8');

/**
 * One UTF-8 message as text. JSON is mostly ASCII, which is decoded as
 * latin1 (the same characters): Node keeps a large such string outside the
 * V8 heap, counted as external memory, so a flood of large messages is
 * collected as it comes instead of piling up in the heap.
 */
export function messageText(bytes: Uint8Array): string {
  if (!isAscii(bytes)) return utf8Decoder.decode(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
