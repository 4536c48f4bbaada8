import { OWNER_FIELD } from './frame.ts';

/**
 * relaykit's owner extension (DESIGN.md §2): the rendezvous appends
 * `owner` (field 100) to every frame it forwards to the executor.
 * Concatenating a field to an encoded message adds it without re-encoding
 * the rest, and the last occurrence of a field wins, so an owner a harness
 * wrote into its own frame is overridden.
 */

/** The encoded field, `tag ‖ length ‖ UTF-8`, to append to frames of `owner`. */
export function ownerField(owner: string): Uint8Array {
  const text = new TextEncoder().encode(owner);
  const head = [...varint((OWNER_FIELD << 3) | 2), ...varint(text.length)];
  const field = new Uint8Array(head.length + text.length);
  field.set(head);
  field.set(text, head.length);
  return field;
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  for (; value >= 0x80; value >>>= 7) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return bytes;
}

/** `frame` followed by an owner field (from ownerField). */
export function withOwner(frame: Uint8Array, field: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + field.length);
  out.set(frame);
  out.set(field, frame.length);
  return out;
}
