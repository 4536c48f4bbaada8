import { describe, expect, it } from 'vitest';
import { HELD_FRAME_OVERHEAD_BYTES } from '../../endpoint/core/reassembly-budget.ts';
import { type SecureStream, StreamMux } from '../../endpoint/index.ts';
import { encodeFrame } from '../../proto/codec/index.ts';
import { bytes, data, frameOf, patterned, resetReasons } from './helpers.ts';

/** Segment `index` of a message of `count` segments on `streamId`, at seq `index + 1`. */
const segment = (streamId: string, index: number, count: number, size: number) =>
  encodeFrame(data(streamId, index + 1, patterned(size, index), 0, 0, index, count));

function resets(mux: StreamMux): string[] {
  return resetReasons(mux.drain().frames);
}

/** A secure executor mux whose streams may hold two 50-byte records, with stream `a` accepted and its handshake answered. */
function secureMuxWithStream(): StreamMux {
  const mux = new StreamMux(
    { accept: true, security: 'secure', maxReassemblyBytes: 2 * (50 + HELD_FRAME_OVERHEAD_BYTES) },
    true,
  );
  mux.receive(encodeFrame(frameOf('a', { case: 'handshake', value: { payload: bytes(1) } })), 0);
  (mux.get('a') as SecureStream).sendHandshake(bytes(2), 0);
  mux.drain();
  return mux;
}

const record = (seq: number) => encodeFrame(data('a', seq, patterned(50, seq)));

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
    expect(mux.reassemblyBudget.used).toBe(5 * perSegment);
    mux.receive(segment('b', 2, 4, 100), 0);
    expect(resets(mux)).toEqual(['protocol_error:reassembly_limit']);
    expect(mux.reassemblyBudget.used).toBe(3 * perSegment);
    mux.receive(segment('a', 3, 4, 100), 0);
    const out = mux.drain();
    expect(out.streams.flatMap((s) => s.messages.map((m) => [s.streamId, m.length]))).toEqual([['a', 400]]);
    expect(mux.reassemblyBudget.used).toBe(0);
  });

  it('counts each held segment with its overhead, so one-byte segments reach the limit after few bytes', () => {
    const mux = new StreamMux({ accept: true, maxReassemblyBytes: 100 * HELD_FRAME_OVERHEAD_BYTES }, true);
    let index = 0;
    do mux.receive(segment('a', index++, 1_000, 1), 0);
    while (mux.get('a')?.state !== 'reset' && index < 1_000);
    // 99 one-byte segments fit in 100 overheads; the 100th does not.
    expect(index).toBe(100);
    expect(resets(mux)).toEqual(['protocol_error:reassembly_limit']);
    expect(mux.reassemblyBudget.used).toBe(0);
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
    expect(mux.reassemblyBudget.used).toBe(0);
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
    expect(mux.reassemblyBudget.used).toBe(2 * (10 + HELD_FRAME_OVERHEAD_BYTES));
    mux.receive(encodeFrame(data('a', 3, patterned(10, 3))), 0);
    expect(resets(mux)).toEqual(['protocol_error:reassembly_limit']);
    expect(mux.reassemblyBudget.used).toBe(0);
  });

  it('counts the records a secure stream holds past a hole against the same budget, in both generations', () => {
    for (const generation of ['reliable', 'legacy']) {
      const mux = secureMuxWithStream();
      // Upstream main's generation names itself by its first record, seq 0.
      if (generation === 'legacy') mux.receive(record(0), 0);
      for (const seq of [2, 3]) mux.receive(record(seq), 0);
      expect(mux.reassemblyBudget.used).toBe(2 * (50 + HELD_FRAME_OVERHEAD_BYTES));
      mux.receive(record(4), 0);
      expect(resets(mux)).toEqual(['secure_relay_protocol_error']);
      expect(mux.reassemblyBudget.used).toBe(0);
    }
  });

  it("bounds what a paused secure stream of upstream main's generation holds by the same budget", () => {
    const mux = secureMuxWithStream();
    mux.receive(record(0), 0);
    mux.drain();
    mux.get('a')?.pauseReceiving();
    for (const seq of [1, 2]) mux.receive(record(seq), 0);
    expect(mux.reassemblyBudget.used).toBe(2 * (50 + HELD_FRAME_OVERHEAD_BYTES));
    mux.receive(record(3), 0);
    expect(resets(mux)).toEqual(['secure_relay_protocol_error']);
    expect(mux.reassemblyBudget.used).toBe(0);
  });
});
