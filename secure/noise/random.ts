import { randomBytes } from 'node:crypto';

/** Returns `length` fresh random bytes; tests pass a deterministic one. */
export type RandomSource = (length: number) => Uint8Array;

export const systemRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));
