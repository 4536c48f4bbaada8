/**
 * The JSON-RPC byte stream inside the secure channel: every message is a
 * u32 big-endian length then its JSON bytes, and that stream is cut into
 * records of at most 60 KiB of plaintext, each sealed on its own. Pure: no
 * I/O, no timers.
 */
import { ReassemblyBudget } from '../endpoint/index.ts';
import { SecureChannelError } from './errors.ts';

export const MAX_RECORD_PLAINTEXT = 60 * 1024;
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const LENGTH_PREFIX = 4;

/** What one side takes of its peer's messages (default: the protocol's 64 MiB, an unbounded budget). */
export interface RecordLimits {
  /** The largest message sent or taken (at most 64 MiB). */
  maxMessageBytes?: number;
  /** What a message in progress holds, shared with the endpoint's other streams. */
  budget?: ReassemblyBudget;
}

function checkLength(length: number, maxMessageBytes: number): void {
  if (length === 0 || length > MAX_MESSAGE_BYTES) {
    throw new SecureChannelError(
      'invalid_message_length',
      `JSON-RPC message length ${length} is outside 1..${MAX_MESSAGE_BYTES}`,
    );
  }
  if (length > maxMessageBytes) {
    throw new SecureChannelError(
      'message_too_large',
      `JSON-RPC message of ${length} bytes is over the limit of ${maxMessageBytes}`,
    );
  }
}

const maxMessageBytesOf = (limits: RecordLimits) =>
  Math.min(limits.maxMessageBytes ?? MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);

/**
 * The sending side: messages wait here, framed, until they are cut into
 * records. A record takes up to 60 KiB of what is waiting, so when messages
 * queue up (the stream's window is full) a record carries the end of one
 * message and the start of the next; the peer's decoder takes records cut
 * anywhere. The parts of a record are views of the messages, not copies.
 */
export class RecordQueue {
  readonly #maxMessageBytes: number;
  #parts: Uint8Array[] = [];
  #bytes = 0;

  constructor(limits: RecordLimits = {}) {
    this.#maxMessageBytes = maxMessageBytesOf(limits);
  }

  /** Framed bytes waiting to be cut. */
  get pendingBytes(): number {
    return this.#bytes;
  }

  push(json: Uint8Array): void {
    checkLength(json.length, this.#maxMessageBytes);
    const prefix = new Uint8Array(LENGTH_PREFIX);
    new DataView(prefix.buffer).setUint32(0, json.length);
    this.#parts.push(prefix, json);
    this.#bytes += LENGTH_PREFIX + json.length;
  }

  /** The parts of the next record: up to `MAX_RECORD_PLAINTEXT` bytes of what is waiting, in order. */
  take(): Uint8Array[] {
    const record: Uint8Array[] = [];
    let room = MAX_RECORD_PLAINTEXT;
    while (room > 0) {
      const part = this.#parts[0];
      if (part === undefined) break;
      if (part.length <= room) {
        record.push(part);
        this.#parts.shift();
        room -= part.length;
      } else {
        record.push(part.subarray(0, room));
        this.#parts[0] = part.subarray(room);
        room = 0;
      }
    }
    this.#bytes -= MAX_RECORD_PLAINTEXT - room;
    return record;
  }

  /** Drops what is waiting (the stream ended). */
  clear(): void {
    this.#parts = [];
    this.#bytes = 0;
  }
}

/**
 * Reassembles messages from records cut anywhere. A message that lies
 * within one record is passed on as it is; a longer one is rebuilt in a
 * buffer allocated once its length is known and within the limits, and
 * counted against the budget at that length until it is complete. So one
 * message in progress at most, never over `maxMessageBytes`.
 */
export class RecordDecoder {
  readonly #maxMessageBytes: number;
  readonly #budget: ReassemblyBudget;
  #header = new Uint8Array(LENGTH_PREFIX);
  #headerFilled = 0;
  #message: Uint8Array | undefined;
  #messageFilled = 0;

  constructor(limits: RecordLimits = {}) {
    this.#maxMessageBytes = maxMessageBytesOf(limits);
    this.#budget = limits.budget ?? new ReassemblyBudget();
  }

  /** Bytes of an incomplete message held (prefix included). */
  get pendingBytes(): number {
    return this.#message === undefined ? this.#headerFilled : LENGTH_PREFIX + this.#messageFilled;
  }

  /** Takes the next record (in order) and returns every message it completes. */
  push(record: Uint8Array): Uint8Array[] {
    if (record.length > MAX_RECORD_PLAINTEXT) {
      throw new SecureChannelError('record_too_large', `plaintext record of ${record.length} bytes`);
    }
    const messages: Uint8Array[] = [];
    let offset = 0;
    while (offset < record.length) {
      if (this.#message === undefined) {
        const take = Math.min(LENGTH_PREFIX - this.#headerFilled, record.length - offset);
        this.#header.set(record.subarray(offset, offset + take), this.#headerFilled);
        this.#headerFilled += take;
        offset += take;
        if (this.#headerFilled < LENGTH_PREFIX) break;
        const length = new DataView(this.#header.buffer).getUint32(0);
        checkLength(length, this.#maxMessageBytes);
        this.#headerFilled = 0;
        if (offset + length <= record.length) {
          messages.push(record.subarray(offset, offset + length));
          offset += length;
          continue;
        }
        if (!this.#budget.hold(length)) {
          throw new SecureChannelError(
            'reassembly_limit',
            `no room for a JSON-RPC message of ${length} bytes within the reassembly budget of ${this.#budget.limit}`,
          );
        }
        this.#message = new Uint8Array(length);
        this.#messageFilled = 0;
        continue;
      }
      const take = Math.min(this.#message.length - this.#messageFilled, record.length - offset);
      this.#message.set(record.subarray(offset, offset + take), this.#messageFilled);
      this.#messageFilled += take;
      offset += take;
      if (this.#messageFilled === this.#message.length) {
        messages.push(this.#message);
        this.clear();
      }
    }
    return messages;
  }

  /** Drops the message in progress, if any, giving its bytes back to the budget. */
  clear(): void {
    if (this.#message !== undefined) this.#budget.letGo(this.#message.length);
    this.#message = undefined;
    this.#messageFilled = 0;
    this.#headerFilled = 0;
  }
}
