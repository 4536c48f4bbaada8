/** Numbered test frames, to follow each one through a fault planner or the proxy. */

/** Frame i of `size` bytes (≥ 4): 4-byte big-endian index followed by pattern bytes. */
export function frame(i: number, size = 32): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, i);
  for (let k = 4; k < bytes.length; k++) bytes[k] = (i * 31 + k) & 0xff;
  return bytes;
}

export function indexOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}

/** Largest number of frames with a higher index that came out before a given frame. */
export function maxOvertakers(order: number[]): number {
  let max = 0;
  order.forEach((index, position) => {
    max = Math.max(max, order.slice(0, position).filter((earlier) => earlier > index).length);
  });
  return max;
}
