import { describe, expect, it } from 'vitest';
import { createPrng, deriveSeed } from '../../faults/index.ts';

function draw(seed: number, n: number): number[] {
  const prng = createPrng(seed);
  return Array.from({ length: n }, () => prng.nextUint32());
}

describe('seeded PRNG', () => {
  it('replays the same sequence from the same seed', () => {
    expect(draw(42, 100)).toEqual(draw(42, 100));
  });

  it('gives a different sequence for a different seed', () => {
    expect(draw(42, 100)).not.toEqual(draw(43, 100));
  });

  it('keeps the generator fixed so recorded seeds replay across versions', () => {
    expect(draw(1, 3)).toMatchInlineSnapshot(`
      [
        792534090,
        3215351813,
        160231488,
      ]
    `);
  });

  it('draws floats in [0, 1) and integers below their bound', () => {
    const prng = createPrng(7);
    for (let i = 0; i < 10_000; i++) {
      const f = prng.next();
      expect(f >= 0 && f < 1).toBe(true);
      const n = prng.int(5);
      expect(Number.isInteger(n) && n >= 0 && n < 5).toBe(true);
    }
  });

  it('treats probabilities 0 and 1 as never and always', () => {
    const prng = createPrng(9);
    for (let i = 0; i < 1000; i++) {
      expect(prng.chance(0)).toBe(false);
      expect(prng.chance(1)).toBe(true);
    }
  });

  it('rejects a non-positive or fractional integer bound', () => {
    const prng = createPrng(1);
    expect(() => prng.int(0)).toThrow(RangeError);
    expect(() => prng.int(2.5)).toThrow(RangeError);
  });

  it('derives distinct sub-seeds per label and per seed', () => {
    expect(deriveSeed(5, 'connection:0:upstream')).toBe(deriveSeed(5, 'connection:0:upstream'));
    expect(deriveSeed(5, 'connection:0:upstream')).not.toBe(deriveSeed(5, 'connection:0:downstream'));
    expect(deriveSeed(5, 'connection:0:upstream')).not.toBe(deriveSeed(6, 'connection:0:upstream'));
  });
});
