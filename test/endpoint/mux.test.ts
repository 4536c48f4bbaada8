import { describe, expect, it } from 'vitest';
import { StreamLimitError, StreamMux } from '../../endpoint/index.ts';
import { encodeFrame } from '../../proto/codec/index.ts';
import { SimWorld } from '../../sim/link/sim-world.ts';
import { unknownBodyFrame } from '../../sim/raw/frames.ts';
import { bytes, data, decodeAll, frameOf, patterned } from './helpers.ts';
import { checkWindows, expectSameMessages, producer } from './transfer-scenario.ts';

function answers(mux: StreamMux): Array<[string, string]> {
  return decodeAll(mux.drain().frames).map((f) => [
    f.streamId,
    f.body.case === 'reset' ? f.body.value.reason : f.body.case,
  ]);
}

describe('stream creation on the accepting side', () => {
  it('opens a reliable stream on data with seq 1 to 32 and on resume with next_seq 1', () => {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(encodeFrame(data('a', 32, bytes(1))), 0);
    mux.receive(encodeFrame(frameOf('b', { case: 'resume', value: { nextSeq: 1 } })), 0);
    expect(mux.drain().opened).toEqual([
      { streamId: 'a', kind: 'reliable' },
      { streamId: 'b', kind: 'reliable' },
    ]);
  });

  it('opens a legacy stream on data with seq 0 and delivers that frame as a message', () => {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(encodeFrame(data('a', 0, bytes(7))), 0);
    const out = mux.drain();
    expect(out.opened).toEqual([{ streamId: 'a', kind: 'legacy' }]);
    expect(out.streams).toEqual([{ streamId: 'a', messages: [bytes(7)], events: [] }]);
    expect(out.frames).toEqual([]);
  });

  it('opens nothing and answers nothing for resume{next_seq: 0}, the claim of a legacy or secure harness', () => {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(encodeFrame(frameOf('a', { case: 'resume', value: { nextSeq: 0 } })), 0);
    expect(mux.drain()).toEqual({ frames: [], opened: [], streams: [] });
  });

  it('answers a handshake with reset{secure_mode_not_enabled}, on a new stream and on a reliable one', () => {
    const mux = new StreamMux({ accept: true }, true);
    const handshake = { case: 'handshake' as const, value: { payload: bytes(1, 2) } };
    mux.receive(encodeFrame(frameOf('a', handshake)), 0);
    expect(answers(mux)).toEqual([['a', 'secure_mode_not_enabled']]);
    mux.receive(encodeFrame(data('b', 1, bytes(1))), 0);
    mux.drain();
    mux.receive(encodeFrame(frameOf('b', handshake)), 1);
    expect(answers(mux)).toEqual([['b', 'secure_mode_not_enabled']]);
    expect(mux.size).toBe(0);
  });

  it('answers reset{unknown_stream} to any other frame for an unknown stream', () => {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(encodeFrame(data('a', 33, bytes(1))), 0);
    mux.receive(encodeFrame(frameOf('b', { case: 'resume', value: { nextSeq: 2 } })), 0);
    mux.receive(encodeFrame(frameOf('c', { case: 'heartbeat', value: {} })), 0);
    mux.receive(encodeFrame(frameOf('d', { case: 'ackFrame', value: {} })), 0);
    mux.receive(encodeFrame(frameOf('e', { case: 'reset', value: { reason: 'closed' } })), 0);
    mux.receive(encodeFrame(data('f', 0, bytes(1), 0, 0, 0, 2)), 0);
    expect(answers(mux)).toEqual([
      ['a', 'unknown_stream'],
      ['b', 'unknown_stream'],
      ['c', 'unknown_stream'],
      ['d', 'unknown_stream'],
      ['f', 'unknown_stream'],
    ]);
    expect(mux.size).toBe(0);
  });

  it('never opens streams on the initiating side', () => {
    const mux = new StreamMux({ accept: false }, true);
    mux.receive(encodeFrame(data('a', 1, bytes(1))), 0);
    expect(answers(mux)).toEqual([['a', 'unknown_stream']]);
  });

  it('refuses streams beyond the limit on both sides', () => {
    const acceptor = new StreamMux({ accept: true, maxStreams: 1 }, true);
    acceptor.receive(encodeFrame(data('a', 1, bytes(1))), 0);
    acceptor.receive(encodeFrame(data('b', 1, bytes(1))), 0);
    expect(answers(acceptor)).toContainEqual(['b', 'stream_limit']);
    const initiator = new StreamMux({ accept: false, maxStreams: 1 }, true);
    initiator.open('x', 0);
    expect(() => initiator.open('y', 0)).toThrow(StreamLimitError);
  });

  it('answers late frames for an ended stream with its reset reason instead of reopening it', () => {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(encodeFrame(data('a', 1, bytes(1))), 0);
    mux.get('a')?.reset('closed', 1);
    mux.drain();
    mux.receive(encodeFrame(data('a', 2, bytes(2))), 2);
    const out = mux.drain();
    expect(out.opened).toEqual([]);
    expect(decodeAll(out.frames).map((f) => f.body)).toEqual([
      { case: 'reset', value: { reason: 'closed' } },
    ]);
  });
});

describe('legacy and reliable streams on one mux', () => {
  /** An accepting mux with a legacy stream `old` and a reliable stream `new`, each holding one message. */
  function mixedMux(): StreamMux {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(encodeFrame(data('old', 0, bytes(1))), 0);
    mux.receive(encodeFrame(data('new', 1, bytes(2))), 0);
    mux.drain();
    return mux;
  }

  it('answers each stream in its own generation at the same time', () => {
    const mux = mixedMux();
    mux.get('old')?.send(bytes(3), 1);
    mux.get('new')?.send(bytes(4), 1);
    mux.receive(encodeFrame(data('old', 1, bytes(5))), 2);
    const out = mux.drain();
    expect(
      decodeAll(out.frames).map((f) => [f.streamId, f.ack, f.body.case === 'data' && f.body.value.seq]),
    ).toEqual([
      ['old', 0, 0],
      ['new', 1, 1],
    ]);
    expect(out.streams.find((s) => s.streamId === 'old')?.messages).toEqual([bytes(5)]);
    expect(mux.get('old')?.kind).toBe('legacy');
    expect(mux.get('new')?.kind).toBe('reliable');
  });

  it('ends legacy streams with the link, keeps reliable ones, and tells the legacy peer once a link is back', () => {
    const mux = mixedMux();
    mux.linkLost(1);
    const lost = mux.drain();
    expect(lost.streams).toEqual([
      {
        streamId: 'old',
        messages: [],
        events: [{ type: 'reset', reason: 'connection_lost', byPeer: false }],
      },
      { streamId: 'new', messages: [], events: [{ type: 'state', state: 'suspended' }] },
    ]);
    mux.linkRestored(2);
    expect(answers(mux)).toEqual([
      ['old', 'connection_lost'],
      ['new', 'resume'],
    ]);
    mux.linkLost(3);
    mux.linkRestored(4);
    expect(answers(mux)).toEqual([['new', 'resume']]);
  });

  it('drops an invalid frame on a legacy stream unanswered but resets a reliable one for it', () => {
    const mux = mixedMux();
    mux.receive(unknownBodyFrame('old'), 1);
    mux.receive(unknownBodyFrame('new'), 1);
    expect(answers(mux)).toEqual([['new', 'protocol_error:unknown_body']]);
    expect(mux.ids()).toEqual(['old']);
  });

  it('opens a fresh legacy stream when data follows a peer reset on the same id, and answers nothing else there', () => {
    const mux = mixedMux();
    mux.receive(encodeFrame(frameOf('old', { case: 'reset', value: { reason: 'test_reset' } })), 1);
    mux.drain();
    mux.receive(encodeFrame(frameOf('old', { case: 'heartbeat', value: {} })), 2);
    expect(mux.drain()).toEqual({ frames: [], opened: [], streams: [] });
    mux.receive(encodeFrame(data('old', 4, bytes(9))), 3);
    const out = mux.drain();
    expect(out.opened).toEqual([{ streamId: 'old', kind: 'legacy' }]);
    expect(out.streams).toEqual([{ streamId: 'old', messages: [bytes(9)], events: [] }]);
  });

  it('holds back legacy streams only while the link is congested', () => {
    const mux = mixedMux();
    mux.linkCongested(true);
    expect([mux.get('old')?.writable, mux.get('new')?.writable]).toEqual([false, true]);
    mux.linkCongested(false);
    expect(mux.drain().streams).toEqual([{ streamId: 'old', messages: [], events: [{ type: 'writable' }] }]);
  });
});

describe('isolation', () => {
  it('completes one stream untouched while another on the same mux is reset midway under faults', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const a = new StreamMux({ accept: false, stream: { segmentBytes: 2048, windowBytes: 32_768 } }, true);
      const b = new StreamMux({ accept: true, stream: { segmentBytes: 2048, windowBytes: 32_768 } }, true);
      const faults = { loss: 0.15, duplicate: 0.1, reorder: 0.15, delayMs: 15, jitterMs: 10 };
      const world = new SimWorld(seed, a, b, faults, faults);
      const keep = Array.from({ length: 60 }, (_, i) => patterned(1 + ((i * 977) % 9000), seed * 100 + i));
      const doomed = Array.from({ length: 60 }, (_, i) => patterned(1 + ((i * 131) % 9000), seed * 300 + i));
      a.open('keep', 0);
      a.open('doomed', 0);
      const feedKeep = producer(a, 'keep', keep);
      const feedDoomed = producer(a, 'doomed', doomed);
      world.onIdle = (w) => {
        feedKeep(w.now);
        feedDoomed(w.now);
        if ((w.logB.messages.get('doomed')?.length ?? 0) >= 20)
          b.get('doomed')?.reset('session_expired', w.now);
      };
      world.check = (w) => {
        checkWindows(w.a);
        checkWindows(w.b);
      };
      const done = () => (world.logB.messages.get('keep')?.length ?? 0) >= keep.length;
      expect(world.runUntil(done, 30 * 60_000)).toBe(true);
      world.runFor(5000);
      const got = world.logB.messages.get('keep') ?? [];
      expectSameMessages(got, keep);
      expect(world.logA.events.get('keep')?.filter((e) => e.type === 'reset') ?? []).toEqual([]);
      expect(world.logA.events.get('doomed')).toContainEqual({
        type: 'reset',
        reason: 'session_expired',
        byPeer: true,
      });
      const doomedGot = world.logB.messages.get('doomed') ?? [];
      expect(doomedGot.length).toBeGreaterThanOrEqual(20);
      expect(doomedGot.length).toBeLessThan(doomed.length);
      expectSameMessages(doomedGot, doomed.slice(0, doomedGot.length));
      expect(a.get('doomed')).toBeUndefined();
    }
  });

  it('resets only the stream whose frame is invalid, leaving the others open', () => {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(encodeFrame(data('a', 1, bytes(1))), 0);
    mux.receive(encodeFrame(data('b', 1, bytes(1))), 0);
    mux.receive(encodeFrame(frameOf('a', { case: 'ackFrame', value: {} }, 0, 1)), 1);
    const out = mux.drain();
    expect(out.streams.find((s) => s.streamId === 'a')?.events).toContainEqual({
      type: 'reset',
      reason: 'protocol_error:ack_bit0_set',
      byPeer: false,
    });
    expect(mux.ids()).toEqual(['b']);
  });
});

describe('work proportional to the streams touched', () => {
  it('drains a stream handed out by get, and ticks a stream only once its deadline has come', () => {
    const mux = new StreamMux({ accept: true }, true);
    for (const id of ['a', 'b', 'c']) mux.receive(encodeFrame(data(id, 1, bytes(1))), 0);
    mux.drain();
    const ackDue = mux.nextDeadline();
    expect(ackDue).toBeDefined();
    mux.tick((ackDue as number) - 1);
    expect(mux.drain().frames).toEqual([]);
    mux.get('b')?.send(bytes(2), 1);
    expect(decodeAll(mux.drain().frames).map((f) => f.streamId)).toEqual(['b']);
  });
});
