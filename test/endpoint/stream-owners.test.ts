import { describe, expect, it } from 'vitest';
import { StreamMux } from '../../endpoint/index.ts';
import { encodeFrame, ownerField, withOwner } from '../../proto/codec/index.ts';
import { bytes, data, decodeAll, frameOf } from './helpers.ts';

/** A data frame opening (or on) `streamId` as the rendezvous forwards it from `owner`. */
const from = (owner: string | undefined, streamId: string, seq = 1) => {
  const frame = encodeFrame(data(streamId, seq, bytes(seq)));
  return owner === undefined ? frame : withOwner(frame, ownerField(owner));
};

const resets = (mux: StreamMux) =>
  decodeAll(mux.drain().frames).flatMap((f) =>
    f.body.case === 'reset' ? [[f.streamId, f.body.value.reason]] : [],
  );

describe('streams per harness identity on the accepting side', () => {
  it('refuses a harness more streams than its share with harness_stream_limit, while another still opens its own', () => {
    const mux = new StreamMux({ accept: true, maxStreamsPerOwner: 2 }, true);
    for (const id of ['a1', 'a2', 'a3']) mux.receive(from('alice', id), 0);
    mux.receive(from('bob', 'b1'), 0);
    const out = mux.drain();
    expect(out.opened).toEqual([
      { streamId: 'a1', kind: 'reliable', owner: 'alice' },
      { streamId: 'a2', kind: 'reliable', owner: 'alice' },
      { streamId: 'b1', kind: 'reliable', owner: 'bob' },
    ]);
    expect(
      decodeAll(out.frames)
        .filter((f) => f.body.case === 'reset')
        .map((f) => f.streamId),
    ).toEqual(['a3']);
    mux.receive(from('alice', 'a4'), 1);
    expect(resets(mux)).toEqual([['a4', 'harness_stream_limit']]);
  });

  it('gives a share back when a stream ends', () => {
    const mux = new StreamMux({ accept: true, maxStreamsPerOwner: 1 }, true);
    mux.receive(from('alice', 'a1'), 0);
    mux.drain();
    mux.receive(
      withOwner(
        encodeFrame(frameOf('a1', { case: 'reset', value: { reason: 'closed' } })),
        ownerField('alice'),
      ),
      1,
    );
    mux.drain();
    mux.receive(from('alice', 'a2'), 2);
    expect(mux.drain().opened).toEqual([{ streamId: 'a2', kind: 'reliable', owner: 'alice' }]);
  });

  it('counts streams whose opening names no owner against the overall limit only', () => {
    const mux = new StreamMux({ accept: true, maxStreams: 3, maxStreamsPerOwner: 1 }, true);
    for (const id of ['x', 'y', 'z', 'w']) mux.receive(from(undefined, id), 0);
    expect(mux.drain().opened.map((o) => o.streamId)).toEqual(['x', 'y', 'z']);
    mux.receive(from(undefined, 'v'), 1);
    expect(resets(mux)).toEqual([['v', 'stream_limit']]);
  });

  it('refuses a secure stream beyond the share as the secure relay refuses anything', () => {
    const mux = new StreamMux({ accept: true, security: 'secure', maxStreamsPerOwner: 1 }, true);
    const handshake = (id: string) =>
      withOwner(
        encodeFrame(frameOf(id, { case: 'handshake', value: { payload: bytes(1) } })),
        ownerField('alice'),
      );
    mux.receive(handshake('s1'), 0);
    mux.receive(handshake('s2'), 0);
    expect(resets(mux)).toEqual([['s2', 'secure_relay_protocol_error']]);
  });

  it("drops a frame naming another owner than its stream's", () => {
    const mux = new StreamMux({ accept: true }, true);
    mux.receive(from('alice', 'a1', 1), 0);
    const first = mux.drain();
    expect(first.streams.flatMap((s) => s.messages)).toEqual([bytes(1)]);
    mux.receive(from('mallory', 'a1', 2), 1);
    mux.receive(from('alice', 'a1', 3), 2);
    const later = mux.drain();
    expect(later.streams.flatMap((s) => s.messages)).toEqual([]);
    mux.receive(from('alice', 'a1', 2), 3);
    expect(mux.drain().streams.flatMap((s) => s.messages)).toEqual([bytes(2), bytes(3)]);
  });
});
