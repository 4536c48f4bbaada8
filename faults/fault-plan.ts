/**
 * The fault decisions for one direction of one connection, as a pure state
 * machine: no sockets, no timers, no clock. Given a frame and the current
 * settings it says what to send now and with which delay; the only state is
 * the frames held back for reordering.
 */

import type { FaultSettings } from './fault-settings.ts';
import type { Prng } from './prng.ts';

export interface Emission {
  readonly bytes: Uint8Array;
  readonly delayMs: number;
}

export interface FrameDecision {
  readonly dropped: boolean;
  readonly duplicated: boolean;
  /** Held back for reordering; it comes out of a later `plan` or `releaseHeld` call. */
  readonly held: boolean;
  readonly corrupted: boolean;
  readonly truncated: boolean;
  /** What to send now, in order: this frame's copies (unless held or dropped), then held frames now due. */
  readonly emit: readonly Emission[];
}

interface HeldFrame {
  readonly copies: readonly Uint8Array[];
  /** Later frames still to pass before release. */
  remaining: number;
}

/** Flips `count` distinct bits at random positions of a copy of `bytes`. */
export function flipBits(prng: Prng, bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const totalBits = out.length * 8;
  const flips = Math.min(count, totalBits);
  const chosen = new Set<number>();
  while (chosen.size < flips) chosen.add(prng.int(totalBits));
  for (const bit of chosen) {
    const index = bit >>> 3;
    out[index] = (out[index] ?? 0) ^ (1 << (bit & 7));
  }
  return out;
}

export class FramePlanner {
  readonly #prng: Prng;
  readonly #held: HeldFrame[] = [];

  constructor(prng: Prng) {
    this.#prng = prng;
  }

  get heldCount(): number {
    return this.#held.length;
  }

  plan(frame: Uint8Array, settings: FaultSettings): FrameDecision {
    const prng = this.#prng;
    const due = this.#countDown();
    const dropped = prng.chance(settings.drop);
    let bytes = frame;
    let corrupted = false;
    let truncated = false;
    let duplicated = false;
    let held = false;
    const now: (readonly Uint8Array[])[] = [];
    if (!dropped) {
      if (bytes.length > 0 && prng.chance(settings.corrupt)) {
        bytes = flipBits(prng, bytes, 1 + prng.int(settings.corruptMaxBits));
        corrupted = true;
      }
      if (bytes.length > 0 && prng.chance(settings.truncate)) {
        bytes = bytes.subarray(0, prng.int(bytes.length));
        truncated = true;
      }
      duplicated = prng.chance(settings.duplicate);
      const copies = duplicated ? [bytes, bytes] : [bytes];
      held = prng.chance(settings.reorder);
      if (held) {
        this.#held.push({ copies, remaining: 1 + prng.int(settings.reorderDistance) });
      } else {
        now.push(copies);
      }
    }
    for (const h of due) now.push(h.copies);
    return { dropped, duplicated, held, corrupted, truncated, emit: this.#withDelays(now.flat(), settings) };
  }

  /** Releases every held frame now (the hold timer fired, or the connection is ending). */
  releaseHeld(settings: FaultSettings): Emission[] {
    const copies = this.#held.splice(0).flatMap((h) => h.copies);
    return this.#withDelays(copies, settings);
  }

  /** One more frame passed: returns the held frames now due, oldest first. */
  #countDown(): HeldFrame[] {
    const due: HeldFrame[] = [];
    for (let i = 0; i < this.#held.length; ) {
      const h = this.#held[i] as HeldFrame;
      h.remaining -= 1;
      if (h.remaining <= 0) {
        due.push(h);
        this.#held.splice(i, 1);
      } else {
        i++;
      }
    }
    return due;
  }

  #withDelays(frames: readonly Uint8Array[], settings: FaultSettings): Emission[] {
    return frames.map((bytes) => ({
      bytes,
      delayMs: settings.delayMs + (settings.jitterMs > 0 ? this.#prng.next() * settings.jitterMs : 0),
    }));
  }
}
