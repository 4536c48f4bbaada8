import { describe, expect, it } from 'vitest';
import {
  createPrng,
  type FaultSettings,
  FramePlanner,
  flipBits,
  normalizeFaults,
} from '../../faults/index.ts';
import { frame as indexedFrame, indexOf, maxOvertakers } from './frames.ts';

/** 16-byte numbered frames. */
const frame = (i: number): Uint8Array => indexedFrame(i, 16);

/** Runs n frames through a planner and returns every decision plus the flushed tail. */
function run(seed: number, settings: FaultSettings, n: number) {
  const planner = new FramePlanner(createPrng(seed));
  const decisions = Array.from({ length: n }, (_, i) => planner.plan(frame(i), settings));
  const tail = planner.releaseHeld(settings);
  const output = [...decisions.flatMap((d) => d.emit), ...tail];
  return { decisions, output };
}

const MIXED = normalizeFaults({
  drop: 0.1,
  duplicate: 0.1,
  reorder: 0.1,
  reorderDistance: 3,
  corrupt: 0.05,
  truncate: 0.05,
  delayMs: 5,
  jitterMs: 10,
});

describe('fault plan', () => {
  it('makes exactly the same decisions for the same seed', () => {
    const a = run(1234, MIXED, 500);
    const b = run(1234, MIXED, 500);
    expect(a.decisions).toEqual(b.decisions);
    expect(a.output).toEqual(b.output);
  });

  it('makes different decisions for a different seed', () => {
    const a = run(1234, MIXED, 500);
    const b = run(1235, MIXED, 500);
    expect(a.decisions.map((d) => d.dropped)).not.toEqual(b.decisions.map((d) => d.dropped));
  });

  it('passes every frame unchanged, once and in order, with no faults', () => {
    const { output } = run(1, normalizeFaults({}), 200);
    expect(output.map((e) => e.bytes)).toEqual(Array.from({ length: 200 }, (_, i) => frame(i)));
    expect(output.every((e) => e.delayMs === 0)).toBe(true);
  });

  it('drops close to the configured rate, and exactly the dropped frames are missing', () => {
    const n = 2000;
    const { decisions, output } = run(99, normalizeFaults({ drop: 0.2 }), n);
    const dropped = decisions.filter((d) => d.dropped).length;
    expect(dropped).toBeGreaterThan(n * 0.15);
    expect(dropped).toBeLessThan(n * 0.25);
    const kept = decisions.flatMap((d, i) => (d.dropped ? [] : [i]));
    expect(output.map((e) => indexOf(e.bytes))).toEqual(kept);
  });

  it('sends a duplicated frame twice, back to back and byte-identical', () => {
    const { decisions, output } = run(5, normalizeFaults({ duplicate: 0.3 }), 1000);
    const duplicated = decisions.filter((d) => d.duplicated).length;
    expect(duplicated).toBeGreaterThan(200);
    expect(duplicated).toBeLessThan(400);
    expect(output).toHaveLength(1000 + duplicated);
    decisions.forEach((d, i) => {
      expect(d.emit.map((e) => e.bytes)).toEqual(d.duplicated ? [frame(i), frame(i)] : [frame(i)]);
    });
  });

  it('reorders frames but never lets more than reorderDistance later frames overtake one', () => {
    const distance = 3;
    const { decisions, output } = run(77, normalizeFaults({ reorder: 0.3, reorderDistance: distance }), 1000);
    const order = output.map((e) => indexOf(e.bytes));
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const held = decisions.filter((d) => d.held).length;
    expect(held).toBeGreaterThan(200);
    const overtakers = maxOvertakers(order);
    expect(overtakers).toBeGreaterThan(0);
    expect(overtakers).toBeLessThanOrEqual(distance);
  });

  it('releases a held frame after at most reorderDistance later frames, even when they are dropped', () => {
    const planner = new FramePlanner(createPrng(3));
    const hold = normalizeFaults({ reorder: 1, reorderDistance: 2 });
    expect(planner.plan(frame(0), hold).emit).toEqual([]);
    const dropAll = normalizeFaults({ drop: 1 });
    const released = [planner.plan(frame(1), dropAll), planner.plan(frame(2), dropAll)].flatMap(
      (d) => d.emit,
    );
    expect(released.map((e) => indexOf(e.bytes))).toEqual([0]);
    expect(planner.heldCount).toBe(0);
  });

  it('hands back every held frame on releaseHeld', () => {
    const planner = new FramePlanner(createPrng(3));
    const hold = normalizeFaults({ reorder: 1, reorderDistance: 50 });
    for (let i = 0; i < 5; i++) planner.plan(frame(i), hold);
    expect(planner.heldCount).toBe(5);
    expect(planner.releaseHeld(hold).map((e) => indexOf(e.bytes))).toEqual([0, 1, 2, 3, 4]);
    expect(planner.heldCount).toBe(0);
  });

  it('corrupts by flipping bits: same length, different bytes, original untouched', () => {
    const original = frame(1);
    const { decisions } = run(11, normalizeFaults({ corrupt: 1, corruptMaxBits: 4 }), 300);
    for (const [i, d] of decisions.entries()) {
      expect(d.corrupted).toBe(true);
      const [out] = d.emit;
      expect(out?.bytes).toHaveLength(16);
      expect(out?.bytes).not.toEqual(frame(i));
    }
    expect(frame(1)).toEqual(original);
  });

  it('flips exactly the requested number of distinct bits', () => {
    const prng = createPrng(8);
    const zeros = new Uint8Array(64);
    for (let count = 1; count <= 16; count++) {
      const flipped = flipBits(prng, zeros, count);
      const ones = flipped.reduce((sum, byte) => sum + byte.toString(2).replaceAll('0', '').length, 0);
      expect(ones).toBe(count);
    }
    expect(zeros.every((b) => b === 0)).toBe(true);
  });

  it('truncates to a strictly shorter prefix', () => {
    const { decisions } = run(12, normalizeFaults({ truncate: 1 }), 300);
    for (const [i, d] of decisions.entries()) {
      expect(d.truncated).toBe(true);
      const out = d.emit[0]?.bytes ?? new Uint8Array();
      expect(out.length).toBeLessThan(16);
      expect(out).toEqual(frame(i).subarray(0, out.length));
    }
  });

  it('leaves an empty frame alone when corrupting or truncating', () => {
    const planner = new FramePlanner(createPrng(1));
    const d = planner.plan(new Uint8Array(), normalizeFaults({ corrupt: 1, truncate: 1 }));
    expect(d.corrupted || d.truncated).toBe(false);
    expect(d.emit.map((e) => e.bytes)).toEqual([new Uint8Array()]);
  });

  it('delays every frame by delayMs plus jitter within [0, jitterMs]', () => {
    const { output } = run(21, normalizeFaults({ delayMs: 40, jitterMs: 20 }), 500);
    const delays = output.map((e) => e.delayMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...delays)).toBeLessThanOrEqual(60);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it('rejects out-of-range settings with a message naming the field', () => {
    expect(() => normalizeFaults({ drop: 1.5 })).toThrow(/drop/);
    expect(() => normalizeFaults({ delayMs: -1 })).toThrow(/delayMs/);
    expect(() => normalizeFaults({ reorderDistance: 0 })).toThrow(/reorderDistance/);
    expect(() => normalizeFaults({ jitterMs: Number.NaN })).toThrow(/jitterMs/);
  });
});
