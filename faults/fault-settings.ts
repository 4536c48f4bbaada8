/**
 * Per-direction fault settings. "upstream" is client → target (endpoint →
 * rendezvous), "downstream" is target → client.
 */

export type Direction = 'upstream' | 'downstream';

export const DIRECTIONS: readonly Direction[] = ['upstream', 'downstream'];

export interface FaultSettings {
  /** Probability that a binary frame is discarded. */
  readonly drop: number;
  /** Probability that a binary frame is sent twice. */
  readonly duplicate: number;
  /** Probability that a binary frame is held back and released after 1..reorderDistance later frames. */
  readonly reorder: number;
  /** Largest number of later frames a held frame may be overtaken by (≥ 1). */
  readonly reorderDistance: number;
  /** A held frame is released after this long even when no later frame comes (ms). */
  readonly reorderMaxHoldMs: number;
  /** Fixed delay added to every binary frame (ms). */
  readonly delayMs: number;
  /** Extra uniform random delay in [0, jitterMs] (ms). Order within a direction is kept. */
  readonly jitterMs: number;
  /** Probability that a binary frame gets 1..corruptMaxBits bits flipped at random positions. */
  readonly corrupt: number;
  readonly corruptMaxBits: number;
  /** Probability that a binary frame is cut to a random shorter length. */
  readonly truncate: number;
}

export const NO_FAULTS: FaultSettings = Object.freeze({
  drop: 0,
  duplicate: 0,
  reorder: 0,
  reorderDistance: 4,
  reorderMaxHoldMs: 200,
  delayMs: 0,
  jitterMs: 0,
  corrupt: 0,
  corruptMaxBits: 8,
  truncate: 0,
});

const PROBABILITIES = ['drop', 'duplicate', 'reorder', 'corrupt', 'truncate'] as const;
const DURATIONS = ['reorderMaxHoldMs', 'delayMs', 'jitterMs'] as const;
const COUNTS = ['reorderDistance', 'corruptMaxBits'] as const;

/** Fills unspecified fields from NO_FAULTS and checks every value; throws RangeError on a bad one. */
export function normalizeFaults(settings: Partial<FaultSettings>): FaultSettings {
  const merged: FaultSettings = { ...NO_FAULTS, ...settings };
  for (const key of PROBABILITIES) {
    const value = merged[key];
    if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
      throw new RangeError(`fault setting ${key} must be a probability in [0, 1], got ${value}`);
    }
  }
  for (const key of DURATIONS) {
    const value = merged[key];
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`fault setting ${key} must be a non-negative number of ms, got ${value}`);
    }
  }
  for (const key of COUNTS) {
    const value = merged[key];
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new RangeError(`fault setting ${key} must be an integer ≥ 1, got ${value}`);
    }
  }
  return Object.freeze(merged);
}
