/**
 * Base64 between byte buffers, through strings of at most 64 KiB. A longer
 * string would land in V8's large-object space, which maps and unmaps memory
 * for every one: a 512 KiB chunk's base64 as one string costs several times
 * what the encoding itself does, mostly in the kernel.
 */

/** Input bytes per slice: a multiple of 3, so the slices' base64 joins into the whole's. */
const ENCODE_SLICE = 48 * 1024;
/** Base64 characters per slice: a multiple of 4, so each slice decodes on its own. */
const DECODE_SLICE = 64 * 1024;

/** The length of `bytes` bytes' padded base64. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** Writes the padded base64 of `data` into `target` at `offset`; returns the offset after it. */
export function writeBase64(target: Buffer, offset: number, data: Buffer): number {
  let at = offset;
  for (let i = 0; i < data.length; i += ENCODE_SLICE) {
    at += target.write(data.toString('base64', i, Math.min(data.length, i + ENCODE_SLICE)), at, 'latin1');
  }
  return at;
}

/**
 * The bytes the base64 text `source[start, end)` stands for, decoded as
 * leniently as `Buffer.from(text, 'base64')`. The span's length must be a
 * multiple of 4 (padded base64).
 */
export function readBase64(source: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(((end - start) / 4) * 3);
  let at = 0;
  for (let i = start; i < end; i += DECODE_SLICE) {
    at += out.write(source.toString('latin1', i, Math.min(end, i + DECODE_SLICE)), at, 'base64');
  }
  return out.subarray(0, at);
}
