import { describe, expect, it } from 'vitest';
import { HELD_FRAME_OVERHEAD_BYTES } from '../../endpoint/core/reassembly-budget.ts';
import { StreamMux } from '../../endpoint/index.ts';
import { encodeFrame } from '../../proto/codec/index.ts';
import { data, patterned, resetReasons } from './helpers.ts';

/** Segment `index` of a message of `count` segments on `streamId`, at seq `index + 1`. */
const segment = (streamId: string, index: number, count: number, size: number) =>
  encodeFrame(data(streamId, index + 1, patterned(size, index), 0, 0, index, count));

function resets(mux: StreamMux): string[] {
  return resetReasons(mux.drain().frames);
}

describe('reassembly limits', () => {
  it('resets a stream whose message claims more segments than maxMessageSegments', () => {
    const mux = new StreamMux({ accept: true, stream: { maxMessageSegments: 4 } }, true);
    mux.receive(segment('a', 0, 4, 10), 0);
    mux.receive(segment('b', 0, 5, 10), 0);
    expect(resets(mux)).toEqual(['protocol_error:too_many_segments']);
    expect(mux.ids()).toEqual(['a']);
  });

  it('resets only the stream that would take the shared budget past its limit, and the others finish', () => {
    const perSegment = 100 + HELD_FRAME_OVERHEAD_BYTES;
    const mux = new StreamMux({ accept: true, maxReassemblyBytes: 5 * perSegment }, true);
    for (let i = 0; i < 3; i++) mux.receive(segment('a', i, 4, 100), 0);
    mux.receive(segment('b', 0, 4, 100), 0);
    mux.receive(segment('b', 1, 4, 100), 0);
    expect(mux.reassemblyBytes).toBe(5 * perSegment);
    mux.receive(segment('b', 2, 4, 100), 0);
    expect(resets(mux)).toEqual(['protocol_error:reassembly_limit']);
    expect(mux.reassemblyBytes).toBe(3 * perSegment);
    mux.receive(segment('a', 3, 4, 100), 0);
    const out = mux.drain();
    expect(out.streams.flatMap((s) => s.messages.map((m) => [s.streamId, m.length]))).toEqual([['a', 400]]);
    expect(mux.reassemblyBytes).toBe(0);
  });

  it('counts each held segment with its overhead, so one-byte segments reach the limit after few bytes', () => {
    const mux = new StreamMux({ accept: true, maxReassemblyBytes: 100 * HELD_FRAME_OVERHEAD_BYTES }, true);
    let index = 0;
    do mux.receive(segment('a', index++, 1_000, 1), 0);
    while (mux.get('a')?.state !== 'reset' && index < 1_000);
    // 99 one-byte segments fit in 100 overheads; the 100th does not.
    expect(index).toBe(100);
    expect(resets(mux)).toEqual(['protocol_error:reassembly_limit']);
    expect(mux.reassemblyBytes).toBe(0);
  });

  it('counts frames held past a hole against the same budget', () => {
    const mux = new StreamMux(
      { accept: true, maxReassemblyBytes: 3 * (50 + HELD_FRAME_OVERHEAD_BYTES) },
      true,
    );
    for (const seq of [2, 3, 4]) mux.receive(encodeFrame(data('a', seq, patterned(50, seq))), 0);
    mux.receive(encodeFrame(data('b', 2, patterned(50, 2))), 0);
    expect(resets(mux)).toEqual(['protocol_error:reassembly_limit']);
    mux.receive(encodeFrame(data('a', 1, patterned(50, 1))), 0);
    expect(mux.drain().streams.flatMap((s) => s.messages)).toHaveLength(4);
    expect(mux.reassemblyBytes).toBe(0);
  });

  it('bounds what a paused legacy stream holds by the same budget', () => {
    const mux = new StreamMux(
      { accept: true, maxReassemblyBytes: 2 * (10 + HELD_FRAME_OVERHEAD_BYTES) },
      true,
    );
    mux.receive(encodeFrame(data('a', 0, patterned(10, 0))), 0);
    mux.drain();
    mux.get('a')?.pauseReceiving();
    for (const seq of [1, 2]) mux.receive(encodeFrame(data('a', seq, patterned(10, seq))), 0);
    expect(mux.reassemblyBytes).toBe(2 * (10 + HELD_FRAME_OVERHEAD_BYTES));
    mux.receive(encodeFrame(data('a', 3, patterned(10, 3))), 0);
    expect(resets(mux)).toEqual(['protocol_error:reassembly_limit']);
    expect(mux.reassemblyBytes).toBe(0);
  });
});
