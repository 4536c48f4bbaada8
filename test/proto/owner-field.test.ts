import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, ownerField, peekHeader, withOwner } from '../../proto/codec/index.ts';
import { fromHex, toHex } from '../fixtures/hex.ts';

const claim = encodeFrame({
  version: 1,
  streamId: 's-1',
  ack: 0,
  ackBits: 0,
  body: { case: 'resume', value: { nextSeq: 0 } },
});

describe("relaykit's owner field", () => {
  it('is field 100, length-delimited, appended to the frame as it was', () => {
    expect(toHex(withOwner(claim, ownerField('h')))).toBe('08 01 12 03 73 2d 31 3a 00 a2 06 01 68');
  });

  it('decodes to the owner, the last one winning over one the sender wrote itself', () => {
    const forged = withOwner(withOwner(claim, ownerField('someone else')), ownerField('harness-1'));
    const decoded = decodeFrame(forged);
    expect(decoded.ok && decoded.value.owner).toBe('harness-1');
    expect(decoded.ok && decoded.value.body).toEqual({ case: 'resume', value: { nextSeq: 0 } });
  });

  it('is absent from frames that carry none, and the header reads the same with it', () => {
    const plain = decodeFrame(claim);
    expect(plain.ok && 'owner' in plain.value).toBe(false);
    expect(peekHeader(withOwner(claim, ownerField('h')))).toEqual(peekHeader(claim));
  });

  it('is no body: a frame with only an owner has none', () => {
    const ownerOnly = fromHex('08 01 12 03 73 2d 31 a2 06 01 68');
    expect(decodeFrame(ownerOnly)).toMatchObject({ ok: false, error: { code: 'missing_body' } });
    expect(peekHeader(ownerOnly)).toMatchObject({ ok: false, error: { code: 'missing_body' } });
  });

  it('refuses field 100 of another wire type', () => {
    const varintOwner = Uint8Array.of(...claim, 0xa0, 0x06, 0x01);
    expect(decodeFrame(varintOwner)).toMatchObject({ ok: false, error: { code: 'bad_wire_type' } });
  });
});
