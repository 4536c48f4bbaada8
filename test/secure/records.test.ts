import { describe, expect, it } from 'vitest';
import { ReassemblyBudget } from '../../endpoint/index.ts';
import { MAX_MESSAGE_BYTES, MAX_RECORD_PLAINTEXT, RecordDecoder, RecordQueue } from '../../secure/index.ts';
import { errorCode } from './support.ts';

const text = (value: string) => new TextEncoder().encode(value);
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Every record of what is queued, each as one plaintext. */
function drain(queue: RecordQueue): Uint8Array[] {
  const records: Uint8Array[] = [];
  while (queue.pendingBytes > 0) records.push(concat(...queue.take()));
  return records;
}

/** The records of one message sent alone. */
function encodeMessageRecords(json: Uint8Array): Uint8Array[] {
  const queue = new RecordQueue();
  queue.push(json);
  return drain(queue);
}

function patterned(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
}

describe('record framing of the JSON-RPC stream', () => {
  it('prefixes a message with its u32 big-endian length', () => {
    expect(encodeMessageRecords(text('{}'))).toEqual([Uint8Array.of(0, 0, 0, 2, 0x7b, 0x7d)]);
  });

  it('refuses an empty message and one over 64 MiB', () => {
    expect(errorCode(() => encodeMessageRecords(new Uint8Array(0)))).toBe('invalid_message_length');
    expect(errorCode(() => encodeMessageRecords(new Uint8Array(MAX_MESSAGE_BYTES + 1)))).toBe(
      'invalid_message_length',
    );
  });

  it('cuts a framed message into records of at most 61440 bytes', () => {
    expect(encodeMessageRecords(new Uint8Array(MAX_RECORD_PLAINTEXT - 4)).map((r) => r.length)).toEqual([
      61_440,
    ]);
    expect(encodeMessageRecords(new Uint8Array(MAX_RECORD_PLAINTEXT - 3)).map((r) => r.length)).toEqual([
      61_440, 1,
    ]);
    const largest = encodeMessageRecords(new Uint8Array(MAX_MESSAGE_BYTES));
    expect(largest.length).toBe(Math.ceil((MAX_MESSAGE_BYTES + 4) / MAX_RECORD_PLAINTEXT));
    expect(largest.every((record) => record.length <= MAX_RECORD_PLAINTEXT)).toBe(true);
  });

  it('fills records across message boundaries when messages queue up, without copying them', () => {
    const queue = new RecordQueue();
    const big = patterned(100_000);
    for (const message of [text('{"a":1}'), big, text('[3]')]) queue.push(message);
    expect(queue.pendingBytes).toBe(3 * 4 + 7 + 100_000 + 3);
    const first = queue.take();
    expect(first.reduce((sum, part) => sum + part.length, 0)).toBe(MAX_RECORD_PLAINTEXT);
    expect(first[3]?.buffer).toBe(big.buffer);
    const records = [concat(...first), ...drain(queue)];
    expect(records.map((r) => r.length)).toEqual([
      MAX_RECORD_PLAINTEXT,
      100_000 + 3 * 4 + 7 + 3 - MAX_RECORD_PLAINTEXT,
    ]);
    const decoder = new RecordDecoder();
    const out = records.flatMap((record) => decoder.push(record));
    expect(out.map((m) => m.length)).toEqual([7, 100_000, 3]);
  });

  it('reassembles a message spanning many records', () => {
    const message = patterned(200_000);
    const decoder = new RecordDecoder();
    const out = encodeMessageRecords(message).flatMap((record) => decoder.push(record));
    expect(out.length).toBe(1);
    expect(Buffer.from(out[0] as Uint8Array).equals(message)).toBe(true);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('accepts records cut anywhere, even inside the length prefix', () => {
    const stream = concat(...[text('{"a":1}'), text('{"b":22}'), text('[3]')].flatMap(encodeMessageRecords));
    const decoder = new RecordDecoder();
    const out = [...stream].flatMap((byte) => decoder.push(Uint8Array.of(byte)));
    expect(out.map((m) => new TextDecoder().decode(m))).toEqual(['{"a":1}', '{"b":22}', '[3]']);
    const halves = new RecordDecoder();
    expect(halves.push(stream.subarray(0, 2))).toEqual([]);
    expect(halves.pendingBytes).toBe(2);
    expect(halves.push(stream.subarray(2)).length).toBe(3);
  });

  it('returns every message of a record carrying many', () => {
    const messages = Array.from({ length: 50 }, (_, i) => text(`{"id":${i}}`));
    const record = concat(...messages.flatMap(encodeMessageRecords));
    expect(record.length).toBeLessThanOrEqual(MAX_RECORD_PLAINTEXT);
    expect(new RecordDecoder().push(record)).toEqual(messages);
  });

  it('refuses a declared length of 0 or over 64 MiB before buffering anything', () => {
    expect(errorCode(() => new RecordDecoder().push(Uint8Array.of(0, 0, 0, 0, 1)))).toBe(
      'invalid_message_length',
    );
    const huge = new RecordDecoder();
    expect(errorCode(() => huge.push(Uint8Array.of(0x04, 0, 0, 1)))).toBe('invalid_message_length');
    expect(huge.pendingBytes).toBe(4);
  });

  it('holds one message in progress at most, 4 + 64 MiB at the very most', () => {
    const decoder = new RecordDecoder();
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, MAX_MESSAGE_BYTES);
    decoder.push(concat(header, new Uint8Array(100)));
    expect(decoder.pendingBytes).toBe(104);
  });

  it('refuses a declared length over its maxMessageBytes before buffering anything, and a larger message on send', () => {
    const decoder = new RecordDecoder({ maxMessageBytes: 1000 });
    expect(errorCode(() => decoder.push(Uint8Array.of(0, 0, 0x03, 0xe9)))).toBe('message_too_large');
    expect(decoder.pendingBytes).toBe(4);
    expect(errorCode(() => new RecordQueue({ maxMessageBytes: 1000 }).push(new Uint8Array(1001)))).toBe(
      'message_too_large',
    );
  });

  it('counts a message longer than its record against the budget until it is complete', () => {
    const budget = new ReassemblyBudget();
    const decoder = new RecordDecoder({ budget });
    const [first, ...rest] = encodeMessageRecords(patterned(100_000));
    decoder.push(first as Uint8Array);
    expect(budget.used).toBeGreaterThanOrEqual(100_000);
    expect(rest.flatMap((record) => decoder.push(record))).toHaveLength(1);
    expect(budget.used).toBe(0);
  });

  it('refuses a message the budget has no room for, and gives back what a cleared decoder held', () => {
    const budget = new ReassemblyBudget(150_000);
    const holding = new RecordDecoder({ budget });
    holding.push(encodeMessageRecords(patterned(100_000))[0] as Uint8Array);
    const refused = new RecordDecoder({ budget });
    expect(errorCode(() => refused.push(encodeMessageRecords(patterned(100_000))[0] as Uint8Array))).toBe(
      'reassembly_limit',
    );
    holding.clear();
    expect(budget.used).toBe(0);
  });

  it('passes on a message that lies within one record without holding it', () => {
    const budget = new ReassemblyBudget(1);
    const decoder = new RecordDecoder({ budget });
    expect(decoder.push(concat(...encodeMessageRecords(text('{"id":1}'))))).toEqual([text('{"id":1}')]);
    expect(budget.used).toBe(0);
  });

  it('refuses a plaintext record over 61440 bytes', () => {
    expect(errorCode(() => new RecordDecoder().push(new Uint8Array(MAX_RECORD_PLAINTEXT + 1)))).toBe(
      'record_too_large',
    );
  });
});
