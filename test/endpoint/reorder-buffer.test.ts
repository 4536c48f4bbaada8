import { describe, expect, it } from 'vitest';
import { HELD_FRAME_OVERHEAD_BYTES, ReassemblyBudget } from '../../endpoint/core/reassembly-budget.ts';
import { ReorderBuffer } from '../../endpoint/core/reorder-buffer.ts';
import type { RelayDataBody } from '../../proto/codec/index.ts';

function body(seq: number, size: number): RelayDataBody {
  return { seq, segmentIndex: 0, segmentCount: 1, payload: new Uint8Array(size).fill(seq) };
}

describe('reorder buffer', () => {
  it('holds frames past a hole and counts their payload bytes', () => {
    const buffer = new ReorderBuffer(100, new ReassemblyBudget());
    expect(buffer.hold(3, body(3, 10))).toBeUndefined();
    expect(buffer.hold(5, body(5, 20))).toBeUndefined();
    expect(buffer.bytes).toBe(30);
  });

  it('accepts a frame that fills it exactly to the limit', () => {
    const buffer = new ReorderBuffer(30, new ReassemblyBudget());
    expect(buffer.hold(2, body(2, 10))).toBeUndefined();
    expect(buffer.hold(3, body(3, 20))).toBeUndefined();
    expect(buffer.bytes).toBe(30);
  });

  it('refuses a frame that would take it past the limit and holds nothing of it', () => {
    const buffer = new ReorderBuffer(30, new ReassemblyBudget());
    buffer.hold(2, body(2, 25));
    expect(buffer.hold(3, body(3, 6))).toBe('receive_buffer_overflow');
    expect(buffer.bytes).toBe(25);
    expect(buffer.take(3)).toBeUndefined();
  });

  it('gives each held frame back once, freeing its bytes', () => {
    const buffer = new ReorderBuffer(100, new ReassemblyBudget());
    const held = body(4, 7);
    buffer.hold(4, held);
    buffer.hold(6, body(6, 3));
    expect(buffer.take(4)).toBe(held);
    expect(buffer.bytes).toBe(3);
    expect(buffer.take(4)).toBeUndefined();
    expect(buffer.bytes).toBe(3);
  });

  it('returns nothing for a seq it does not hold and leaves its count alone', () => {
    const buffer = new ReorderBuffer(100, new ReassemblyBudget());
    buffer.hold(2, body(2, 5));
    expect(buffer.take(9)).toBeUndefined();
    expect(buffer.bytes).toBe(5);
  });

  it('refuses a frame the shared budget cannot hold, and gives the budget back as frames leave', () => {
    const budget = new ReassemblyBudget(2 * (10 + HELD_FRAME_OVERHEAD_BYTES));
    const buffer = new ReorderBuffer(100, budget);
    expect(buffer.hold(2, body(2, 10))).toBeUndefined();
    expect(buffer.hold(3, body(3, 10))).toBeUndefined();
    expect(buffer.hold(4, body(4, 1))).toBe('reassembly_limit');
    buffer.take(2);
    expect(buffer.hold(4, body(4, 1))).toBeUndefined();
    buffer.clear();
    expect(budget.used).toBe(0);
  });

  it('forgets every frame on clear, and has the whole limit to offer again', () => {
    const buffer = new ReorderBuffer(10, new ReassemblyBudget());
    buffer.hold(2, body(2, 10));
    buffer.clear();
    expect(buffer.bytes).toBe(0);
    expect(buffer.take(2)).toBeUndefined();
    expect(buffer.hold(3, body(3, 10))).toBeUndefined();
  });
});
