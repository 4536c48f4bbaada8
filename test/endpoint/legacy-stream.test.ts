import { describe, expect, it } from 'vitest';
import { LegacyStream, MessageTooLargeError, StreamClosedError } from '../../endpoint/index.ts';
import { MAX_FRAME_BYTES, type RelayFrameBody } from '../../proto/codec/index.ts';
import { bytes, data, decodeAll, frameOf } from './helpers.ts';

/** A stream the peer opened with its first data frame (the executor's side). */
function accepted(): LegacyStream {
  return new LegacyStream('s-1', { linkUp: true, accepted: true });
}

const bodies = (frames: Uint8Array[]): RelayFrameBody[] => decodeAll(frames).map((f) => f.body);

describe('legacy stream: sending', () => {
  it('sends each message as one whole data frame numbered from 0, with ack 0 and ack_bits 0', () => {
    const stream = accepted();
    for (const m of [bytes(1), bytes(2, 2), bytes(3)]) expect(stream.send(m)).toBe(true);
    const frames = decodeAll(stream.drain().frames);
    expect(frames.map((f) => [f.ack, f.ackBits])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(frames.map((f) => f.body)).toEqual([
      { case: 'data', value: { seq: 0, segmentIndex: 0, segmentCount: 1, payload: bytes(1) } },
      { case: 'data', value: { seq: 1, segmentIndex: 0, segmentCount: 1, payload: bytes(2, 2) } },
      { case: 'data', value: { seq: 2, segmentIndex: 0, segmentCount: 1, payload: bytes(3) } },
    ]);
  });

  it('never resends, acks or heartbeats: it has no deadline and ticking sends nothing', () => {
    const stream = accepted();
    stream.receive(data('s-1', 0, bytes(9)));
    stream.send(bytes(1));
    stream.drain();
    expect(stream.nextDeadline()).toBeUndefined();
    stream.tick();
    expect(stream.drain().frames).toEqual([]);
  });

  it('refuses a message whose frame would exceed the frame limit instead of segmenting it', () => {
    const stream = accepted();
    expect(() => stream.send(new Uint8Array(MAX_FRAME_BYTES))).toThrow(MessageTooLargeError);
    const fits = new Uint8Array(MAX_FRAME_BYTES - 64);
    stream.send(fits);
    const [frame] = stream.drain().frames;
    expect(frame?.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(bodies([frame as Uint8Array])[0]).toMatchObject({
      case: 'data',
      value: { seq: 0, segmentCount: 1 },
    });
  });
});

describe('legacy stream: receiving', () => {
  it('delivers every data frame as it arrives, whatever its seq, duplicates included', () => {
    const stream = accepted();
    stream.receive(data('s-1', 0, bytes(1)));
    stream.receive(data('s-1', 7, bytes(2), 5, 0b10));
    stream.receive(data('s-1', 7, bytes(2)));
    stream.receive(data('s-1', 3, bytes(3)));
    expect(stream.drain().messages).toEqual([bytes(1), bytes(2), bytes(2), bytes(3)]);
  });

  it('drops segmented data and ignores ack, resume, heartbeat and handshake frames without answering', () => {
    const stream = accepted();
    stream.receive(data('s-1', 1, bytes(1), 0, 0, 0, 2));
    stream.receive(frameOf('s-1', { case: 'ackFrame', value: {} }, 4, 0b110));
    stream.receive(frameOf('s-1', { case: 'resume', value: { nextSeq: 9 } }));
    stream.receive(frameOf('s-1', { case: 'heartbeat', value: {} }));
    stream.receive(frameOf('s-1', { case: 'handshake', value: { payload: bytes(1) } }));
    stream.protocolError();
    expect(stream.drain()).toEqual({ frames: [], messages: [], events: [] });
    expect(stream.state).toBe('open');
  });

  it('holds messages during a receive pause and delivers them in arrival order after it', () => {
    const stream = accepted();
    stream.pauseReceiving();
    stream.receive(data('s-1', 0, bytes(1)));
    stream.receive(data('s-1', 1, bytes(2)));
    expect(stream.drain().messages).toEqual([]);
    stream.resumeReceiving();
    stream.receive(data('s-1', 2, bytes(3)));
    expect(stream.drain().messages).toEqual([bytes(1), bytes(2), bytes(3)]);
  });
});

describe('legacy stream: opening, ending and backpressure', () => {
  it('claims the stream with resume{next_seq: 0} before its first data frame', () => {
    const stream = new LegacyStream('s-1', { linkUp: true, accepted: false });
    stream.send(bytes(1));
    expect(bodies(stream.drain().frames)).toEqual([
      { case: 'resume', value: { nextSeq: 0 } },
      { case: 'data', value: { seq: 0, segmentIndex: 0, segmentCount: 1, payload: bytes(1) } },
    ]);
  });

  it('opened without a link, keeps its messages until the first link and is not writable meanwhile', () => {
    const stream = new LegacyStream('s-1', { linkUp: false, accepted: false });
    expect(stream.send(bytes(1))).toBe(false);
    stream.send(bytes(2));
    expect(stream.state).toBe('suspended');
    stream.linkLost();
    expect(stream.drain().frames).toEqual([]);
    stream.linkRestored();
    const out = stream.drain();
    expect(
      decodeAll(out.frames).map((f) => (f.body.case === 'data' ? f.body.value.seq : f.body.case)),
    ).toEqual(['resume', 0, 1]);
    expect(out.events).toEqual([{ type: 'state', state: 'open' }, { type: 'writable' }]);
  });

  it('ends with its link: reset connection_lost locally, nothing sent, sending refused', () => {
    const stream = accepted();
    stream.linkLost();
    expect(stream.drain()).toEqual({
      frames: [],
      messages: [],
      events: [{ type: 'reset', reason: 'connection_lost', byPeer: false }],
    });
    expect(() => stream.send(bytes(1))).toThrow(StreamClosedError);
    stream.linkRestored();
    expect(stream.drain().frames).toEqual([]);
  });

  it('ends on the peer reset, and sends reset{reason} with no ack state when reset here', () => {
    const byPeer = accepted();
    byPeer.receive(frameOf('s-1', { case: 'reset', value: { reason: 'test_reset' } }));
    byPeer.receive(data('s-1', 4, bytes(1)));
    expect(byPeer.drain()).toEqual({
      frames: [],
      messages: [],
      events: [{ type: 'reset', reason: 'test_reset', byPeer: true }],
    });
    const here = accepted();
    here.reset('closed');
    const [reset] = decodeAll(here.drain().frames);
    expect(reset).toEqual(frameOf('s-1', { case: 'reset', value: { reason: 'closed' } }));
  });

  it('stops being writable while the link is congested and says so when it drains', () => {
    const stream = accepted();
    stream.linkCongested(true);
    expect(stream.writable).toBe(false);
    expect(stream.send(bytes(1))).toBe(false);
    stream.linkCongested(false);
    expect(stream.writable).toBe(true);
    expect(stream.drain().events).toEqual([{ type: 'writable' }]);
  });
});
