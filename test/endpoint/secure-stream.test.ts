import { describe, expect, it } from 'vitest';
import { type SecureStream, StreamMux } from '../../endpoint/index.ts';
import { encodeFrame, type RelayFrame } from '../../proto/codec/index.ts';
import { ackFrame, bytes, data, decodeAll, frameOf, makeStream, patterned } from './helpers.ts';

const message1 = bytes(1, 1, 1);
const message2 = bytes(2, 2);
const handshake = (payload: Uint8Array) => ({ case: 'handshake' as const, value: { payload } });

/** A harness mux and a secure executor mux joined by a link the test drives frame by frame. */
function pair(config: { handshakeTimeoutMs?: number } = {}) {
  const harness = new StreamMux({ accept: false, stream: config }, true);
  const executor = new StreamMux({ accept: true, security: 'secure', stream: config }, true);
  const wire: { toExecutor: RelayFrame[]; toHarness: RelayFrame[] } = { toExecutor: [], toHarness: [] };
  const collect = () => {
    wire.toExecutor.push(...decodeAll(harness.drain().frames));
    const out = executor.drain();
    wire.toHarness.push(...decodeAll(out.frames));
    return out;
  };
  return {
    harness,
    executor,
    wire,
    collect,
    /** Delivers every frame in flight both ways until the link is quiet, at time `now`. */
    settle(now: number) {
      const harnessOut = { messages: [] as Uint8Array[], events: [] as string[] };
      const executorOut = { messages: [] as Uint8Array[], events: [] as string[], opened: [] as string[] };
      for (let rounds = 0; rounds < 50; rounds++) {
        const h = harness.drain();
        const e = executor.drain();
        for (const s of h.streams) {
          harnessOut.messages.push(...s.messages);
          harnessOut.events.push(...s.events.map((ev) => ev.type));
        }
        for (const s of e.streams) {
          executorOut.messages.push(...s.messages);
          executorOut.events.push(...s.events.map((ev) => ev.type));
        }
        executorOut.opened.push(...e.opened.map((o) => `${o.streamId}:${o.kind}`));
        if (h.frames.length === 0 && e.frames.length === 0) break;
        for (const f of h.frames) executor.receive(f, now);
        for (const f of e.frames) harness.receive(f, now);
      }
      return { harness: harnessOut, executor: executorOut };
    },
  };
}

const secure = (mux: StreamMux, id: string) => mux.get(id) as SecureStream;

describe('a secure stream: opening and the handshake', () => {
  it('claims the stream with resume{next_seq: 0}, then carries message 1 and message 2 as handshake frames', () => {
    const link = pair();
    const opened = link.harness.open('s', 0, 'secure') as SecureStream;
    opened.sendHandshake(message1, 0);
    link.collect();
    expect(link.wire.toExecutor.map((f) => f.body)).toEqual([
      { case: 'resume', value: { nextSeq: 0 } },
      handshake(message1),
    ]);
    for (const f of link.wire.toExecutor.splice(0)) link.executor.receive(encodeFrame(f), 1);
    const accepted = link.executor.drain();
    expect(accepted.opened).toEqual([{ streamId: 's', kind: 'secure' }]);
    expect(accepted.streams[0]?.events).toContainEqual({ type: 'handshake', payload: message1 });
    expect(accepted.frames).toEqual([]);

    secure(link.executor, 's').sendHandshake(message2, 2);
    link.collect();
    expect(link.wire.toHarness.map((f) => [f.ack, f.ackBits, f.body])).toEqual([[0, 0, handshake(message2)]]);
    link.harness.receive(encodeFrame(link.wire.toHarness[0] as RelayFrame), 3);
    expect(link.harness.drain().streams[0]?.events).toContainEqual({ type: 'handshake', payload: message2 });
    expect(opened.established).toBe(true);
  });

  it('then carries records both ways on a reliable stream from seq 1, one record of 61,456 bytes in one frame', () => {
    const link = pair();
    const opened = link.harness.open('s', 0, 'secure') as SecureStream;
    opened.sendHandshake(message1, 0);
    link.settle(1);
    secure(link.executor, 's').sendHandshake(message2, 2);
    link.settle(3);
    const record = patterned(61_456, 1);
    secure(link.harness, 's').send(record, 4);
    const sent = decodeAll(link.harness.drain().frames).filter((f) => f.body.case === 'data');
    expect(sent.map((f) => f.body.value)).toMatchObject([{ seq: 1, segmentIndex: 0, segmentCount: 1 }]);
    for (const f of sent) link.executor.receive(encodeFrame(f), 5);
    const out = link.settle(5);
    expect(out.executor.messages).toEqual([record]);
    secure(link.executor, 's').send(bytes(9), 6);
    expect(link.settle(6).harness.messages).toEqual([bytes(9)]);
  });

  it('resends message 1 on a backed-off timer until message 2 arrives, then stops', () => {
    const link = pair();
    const opened = link.harness.open('s', 0, 'secure') as SecureStream;
    opened.sendHandshake(message1, 0);
    link.harness.drain();
    const resendsAt: number[] = [];
    for (let now = 0; now <= 8000; now += 50) {
      link.harness.tick(now);
      const frames = decodeAll(link.harness.drain().frames);
      if (frames.some((f) => f.body.case === 'handshake')) resendsAt.push(now);
    }
    expect(resendsAt).toEqual([1000, 3000, 7000]);
    link.harness.receive(encodeFrame(frameOf('s', handshake(message2))), 8000);
    link.harness.tick(20_000);
    expect(decodeAll(link.harness.drain().frames).filter((f) => f.body.case === 'handshake')).toEqual([]);
  });

  it('gives up with handshake_timeout when no answer comes in time', () => {
    const link = pair({ handshakeTimeoutMs: 5000 });
    const opened = link.harness.open('s', 0, 'secure') as SecureStream;
    opened.sendHandshake(message1, 0);
    link.harness.drain();
    expect(opened.nextDeadline()).toBe(1000);
    link.harness.tick(5000);
    const out = link.harness.drain();
    expect(out.streams[0]?.events).toContainEqual({
      type: 'reset',
      reason: 'handshake_timeout',
      byPeer: false,
    });
    expect(decodeAll(out.frames).map((f) => f.body)).toEqual([
      { case: 'reset', value: { reason: 'handshake_timeout' } },
    ]);
  });

  it('claims the stream again and resends message 1 when its socket comes back during the handshake', () => {
    const link = pair();
    const opened = link.harness.open('s', 0, 'secure') as SecureStream;
    opened.sendHandshake(message1, 0);
    link.harness.drain();
    link.harness.linkLost(10);
    link.harness.linkRestored(20);
    expect(decodeAll(link.harness.drain().frames).map((f) => f.body.case)).toEqual(['resume', 'handshake']);
  });
});

describe('a secure stream: the accepting side', () => {
  function answered(link: ReturnType<typeof pair>): void {
    link.executor.receive(encodeFrame(frameOf('s', handshake(message1))), 0);
    link.executor.drain();
  }

  it('ignores a repeated message 1 while its answer is pending and answers it with the cached message 2 after', () => {
    const link = pair();
    answered(link);
    link.executor.receive(encodeFrame(frameOf('s', handshake(message1))), 1);
    const pending = link.executor.drain();
    expect(pending.frames).toEqual([]);
    expect(pending.streams).toEqual([]);
    secure(link.executor, 's').sendHandshake(message2, 2);
    const [answer] = link.executor.drain().frames;
    link.executor.receive(encodeFrame(frameOf('s', handshake(message1))), 3);
    expect(link.executor.drain().frames).toEqual([answer]);
  });

  it('resets with secure_relay_protocol_error on a different message 1', () => {
    const link = pair();
    answered(link);
    link.executor.receive(encodeFrame(frameOf('s', handshake(bytes(1, 1, 2)))), 1);
    const out = link.executor.drain();
    expect(decodeAll(out.frames).map((f) => f.body)).toEqual([
      { case: 'reset', value: { reason: 'secure_relay_protocol_error' } },
    ]);
    expect(link.executor.size).toBe(0);
  });

  it('resets with secure_relay_protocol_error on data before it answered', () => {
    const link = pair();
    answered(link);
    link.executor.receive(encodeFrame(data('s', 1, bytes(5))), 1);
    expect(decodeAll(link.executor.drain().frames).map((f) => f.body)).toEqual([
      { case: 'reset', value: { reason: 'secure_relay_protocol_error' } },
    ]);
  });

  it('answers a handshake on a retired stream id with secure_relay_protocol_error', () => {
    const link = pair();
    answered(link);
    secure(link.executor, 's').reset('closed', 1);
    link.executor.drain();
    link.executor.receive(encodeFrame(frameOf('s', handshake(message1))), 2);
    expect(decodeAll(link.executor.drain().frames).map((f) => [f.streamId, f.body])).toEqual([
      ['s', { case: 'reset', value: { reason: 'secure_relay_protocol_error' } }],
    ]);
  });

  it('refuses cleartext streams with secure_mode_required and other unknown frames with secure_relay_protocol_error', () => {
    const link = pair();
    link.executor.receive(encodeFrame(data('a', 0, bytes(1))), 0);
    link.executor.receive(encodeFrame(data('b', 1, bytes(1))), 0);
    link.executor.receive(encodeFrame(frameOf('c', { case: 'resume', value: { nextSeq: 1 } })), 0);
    link.executor.receive(encodeFrame(frameOf('d', { case: 'heartbeat', value: {} })), 0);
    link.executor.receive(encodeFrame(data('e', 40, bytes(1))), 0);
    const out = link.executor.drain();
    expect(out.opened).toEqual([]);
    expect(
      decodeAll(out.frames).map((f) => [f.streamId, f.body.case === 'reset' && f.body.value.reason]),
    ).toEqual([
      ['a', 'secure_mode_required'],
      ['b', 'secure_mode_required'],
      ['c', 'secure_mode_required'],
      ['d', 'secure_relay_protocol_error'],
      ['e', 'secure_relay_protocol_error'],
    ]);
  });

  it('refuses a secure stream beyond the stream limit with secure_relay_protocol_error', () => {
    const executor = new StreamMux({ accept: true, security: 'secure', maxStreams: 1 }, true);
    executor.receive(encodeFrame(frameOf('a', handshake(message1))), 0);
    executor.receive(encodeFrame(frameOf('b', handshake(message1))), 0);
    const out = executor.drain();
    expect(out.opened).toEqual([{ streamId: 'a', kind: 'secure' }]);
    expect(decodeAll(out.frames).map((f) => [f.streamId, f.body])).toEqual([
      ['b', { case: 'reset', value: { reason: 'secure_relay_protocol_error' } }],
    ]);
  });
});

describe('a secure stream: the opening side', () => {
  it('resets with secure_relay_protocol_error on data before message 2', () => {
    const link = pair();
    const opened = link.harness.open('s', 0, 'secure') as SecureStream;
    opened.sendHandshake(message1, 0);
    link.harness.drain();
    link.harness.receive(encodeFrame(data('s', 1, bytes(5))), 1);
    expect(decodeAll(link.harness.drain().frames).map((f) => f.body)).toEqual([
      { case: 'reset', value: { reason: 'secure_relay_protocol_error' } },
    ]);
  });

  it('refuses to send records before the handshake completed', () => {
    const link = pair();
    const opened = link.harness.open('s', 0, 'secure') as SecureStream;
    expect(() => opened.send(bytes(1), 0)).toThrow(/handshake/);
  });
});

describe("a secure stream of upstream main's generation", () => {
  it('numbers records from seq 0 with no acks, and the accepting side learns the generation from the first record', () => {
    const link = pair();
    const opened = link.harness.open('s', 0, 'secure', 'legacy') as SecureStream;
    opened.sendHandshake(message1, 0);
    link.settle(1);
    secure(link.executor, 's').sendHandshake(message2, 2);
    link.settle(3);
    for (const m of [bytes(1), bytes(2), bytes(3)]) secure(link.harness, 's').send(m, 4);
    const frames = decodeAll(link.harness.drain().frames);
    expect(frames.map((f) => [f.ack, f.ackBits, f.body.case === 'data' && f.body.value.seq])).toEqual([
      [0, 0, 0],
      [0, 0, 1],
      [0, 0, 2],
    ]);
    // After the first record, out of order and duplicated: released in seq order, once.
    for (const f of [frames[0], frames[2], frames[1], frames[2]]) {
      link.executor.receive(encodeFrame(f as RelayFrame), 5);
    }
    const out = link.settle(5);
    expect(out.executor.messages).toEqual([bytes(1), bytes(2), bytes(3)]);
    secure(link.executor, 's').send(bytes(4), 6);
    const answer = decodeAll(link.executor.drain().frames);
    expect(answer.map((f) => f.body.case === 'data' && f.body.value.seq)).toEqual([0]);
  });

  it('resets with secure_relay_protocol_error on a record more than 64 ahead', () => {
    const link = pair();
    link.executor.receive(encodeFrame(frameOf('s', handshake(message1))), 0);
    secure(link.executor, 's').sendHandshake(message2, 0);
    link.executor.drain();
    link.executor.receive(encodeFrame(data('s', 0, bytes(1))), 1);
    link.executor.receive(encodeFrame(data('s', 66, bytes(1))), 1);
    expect(decodeAll(link.executor.drain().frames).map((f) => f.body)).toEqual([
      { case: 'reset', value: { reason: 'secure_relay_protocol_error' } },
    ]);
  });
});

describe('a busy stream', () => {
  it('is busy from four frames awaiting their ack, and says when it is quiet again', () => {
    const stream = makeStream();
    for (let i = 0; i < 3; i++) stream.send(bytes(i), 0);
    expect(stream.busy).toBe(false);
    stream.send(bytes(3), 0);
    expect(stream.busy).toBe(true);
    stream.drain();
    stream.receive(ackFrame('s-1', 2), 10);
    expect(stream.busy).toBe(false);
    expect(stream.drain().events).toContainEqual({ type: 'quiet' });
  });
});
