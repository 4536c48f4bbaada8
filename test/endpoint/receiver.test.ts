import { describe, expect, it } from 'vitest';
import { StreamMux } from '../../endpoint/index.ts';
import { encodeFrame } from '../../proto/codec/index.ts';
import { bytes, data, frameOf, makeStream, resetReasons } from './helpers.ts';

describe('receiving data', () => {
  it('buffers out-of-order frames and delivers in order exactly once', () => {
    const stream = makeStream();
    stream.receive(data('s-1', 3, bytes(3)), 0);
    stream.receive(data('s-1', 2, bytes(2)), 0);
    expect(stream.drain().messages).toEqual([]);
    expect(stream.reorderBufferBytes).toBe(2);
    stream.receive(data('s-1', 2, bytes(99)), 0);
    stream.receive(data('s-1', 1, bytes(1)), 0);
    expect(stream.drain().messages).toEqual([bytes(1), bytes(2), bytes(3)]);
    expect(stream.reorderBufferBytes).toBe(0);
  });

  it('reassembles a segmented message arriving out of order', () => {
    const stream = makeStream();
    stream.receive(data('s-1', 2, bytes(3, 4), 0, 0, 1, 3), 0);
    stream.receive(data('s-1', 3, bytes(5), 0, 0, 2, 3), 0);
    stream.receive(data('s-1', 1, bytes(1, 2), 0, 0, 0, 3), 0);
    expect(stream.drain().messages).toEqual([bytes(1, 2, 3, 4, 5)]);
  });

  it('resets on a seq beyond the reorder window', () => {
    const stream = makeStream();
    stream.receive(data('s-1', 32, bytes(1)), 0);
    expect(stream.state).toBe('open');
    stream.receive(data('s-1', 33, bytes(1)), 0);
    expect(resetReasons(stream.drain().frames)).toEqual(['protocol_error:seq_beyond_window']);
    expect(stream.state).toBe('reset');
  });

  it('resets when out-of-order data exceeds the byte window', () => {
    const stream = makeStream({ windowBytes: 100, segmentBytes: 50 });
    stream.receive(data('s-1', 2, new Uint8Array(60).fill(1)), 0);
    stream.receive(data('s-1', 3, new Uint8Array(60).fill(1)), 0);
    expect(resetReasons(stream.drain().frames)).toEqual(['protocol_error:receive_buffer_overflow']);
  });

  it('resets when a message does not start at segment 0', () => {
    const stream = makeStream();
    stream.receive(data('s-1', 1, bytes(1), 0, 0, 1, 2), 0);
    expect(resetReasons(stream.drain().frames)).toEqual(['protocol_error:bad_segment']);
  });

  it('resets when segment_count changes inside a message', () => {
    const stream = makeStream();
    stream.receive(data('s-1', 1, bytes(1), 0, 0, 0, 3), 0);
    stream.receive(data('s-1', 2, bytes(2), 0, 0, 1, 4), 0);
    expect(resetReasons(stream.drain().frames)).toEqual(['protocol_error:bad_segment']);
  });

  it('resets when a new message starts before the previous one is complete', () => {
    const stream = makeStream();
    stream.receive(data('s-1', 1, bytes(1), 0, 0, 0, 2), 0);
    stream.receive(data('s-1', 2, bytes(2), 0, 0, 0, 1), 0);
    expect(resetReasons(stream.drain().frames)).toEqual(['protocol_error:bad_segment']);
  });

  it('resets when a received message grows beyond the maximum size', () => {
    const stream = makeStream({ maxMessageBytes: 3, segmentBytes: 2, windowBytes: 10 });
    stream.receive(data('s-1', 1, bytes(1, 2), 0, 0, 0, 2), 0);
    stream.receive(data('s-1', 2, bytes(3, 4), 0, 0, 1, 2), 0);
    expect(resetReasons(stream.drain().frames)).toEqual(['protocol_error:message_too_large']);
  });

  it('ignores every frame after a reset', () => {
    const stream = makeStream();
    stream.reset('closed', 0);
    stream.drain();
    stream.receive(data('s-1', 1, bytes(1)), 1);
    stream.tick(1000);
    expect(stream.drain()).toEqual({ frames: [], messages: [], events: [] });
  });

  it('reports a reset from the peer with byPeer set and sends nothing back', () => {
    const stream = makeStream();
    stream.receive(frameOf('s-1', { case: 'reset', value: { reason: 'session_expired' } }), 0);
    const out = stream.drain();
    expect(out.events).toEqual([{ type: 'reset', reason: 'session_expired', byPeer: true }]);
    expect(out.frames).toEqual([]);
  });
});

describe('invalid frames at the mux', () => {
  function openedMux(): StreamMux {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(encodeFrame(data('s-1', 1, bytes(1))), 0);
    mux.receive(encodeFrame(data('s-2', 1, bytes(1))), 0);
    mux.drain();
    return mux;
  }

  it('resets only the affected stream on seq 0 with protocol_error:seq_zero', () => {
    const mux = openedMux();
    mux.receive(encodeFrame(data('s-1', 0, bytes(1))), 1);
    const out = mux.drain();
    expect(resetReasons(out.frames)).toEqual(['protocol_error:seq_zero']);
    expect(mux.get('s-1')).toBeUndefined();
    expect(mux.get('s-2')?.state).toBe('open');
  });

  it('resets the stream on segment_index not below segment_count', () => {
    const mux = openedMux();
    mux.receive(encodeFrame(data('s-2', 2, bytes(1), 0, 0, 3, 3)), 1);
    expect(resetReasons(mux.drain().frames)).toEqual(['protocol_error:segment_index_out_of_range']);
    expect(mux.get('s-1')?.state).toBe('open');
  });

  it('resets the stream on segment_count 0 and on an empty payload', () => {
    const mux = openedMux();
    mux.receive(encodeFrame(data('s-1', 2, bytes(1), 0, 0, 0, 0)), 1);
    mux.receive(encodeFrame(data('s-2', 2, new Uint8Array(0))), 1);
    expect(resetReasons(mux.drain().frames)).toEqual([
      'protocol_error:segment_count_zero',
      'protocol_error:empty_payload',
    ]);
  });

  it('drops a frame whose stream id cannot be read without touching any stream', () => {
    const mux = openedMux();
    mux.receive(Uint8Array.of(0x08, 0x01, 0x12, 0x09, 0x41), 1);
    mux.receive(encodeFrame({ ...data('s-1', 2, bytes(1)), version: 2 }), 1);
    expect(mux.drain().frames).toEqual([]);
    expect(mux.ids()).toEqual(['s-1', 's-2']);
  });
});
