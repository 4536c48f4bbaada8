import { SecureChannelError } from './errors.ts';
import { RecordDecoder, type RecordLimits, RecordQueue } from './records.ts';
import type { SecureSession } from './transport.ts';

/**
 * JSON-RPC messages in and out of an established session. Sending:
 * `queue` a message, then `sealNext` cuts and encrypts the next record of
 * what is queued (each record exactly once: a resend reuses its bytes), or
 * `seal` does both for one message. Receiving: `open` takes the peer's
 * records in sequence order and returns the messages they complete, each
 * within `limits`. A failure to open is final.
 */
export class SecureMessageChannel {
  readonly #session: SecureSession;
  readonly #queue: RecordQueue;
  readonly #decoder: RecordDecoder;
  #failed = false;

  constructor(session: SecureSession, limits: RecordLimits = {}) {
    this.#session = session;
    this.#queue = new RecordQueue(limits);
    this.#decoder = new RecordDecoder(limits);
  }

  get handshakeHash(): Uint8Array {
    return this.#session.handshakeHash;
  }

  /** Plaintext bytes queued and not yet sealed. */
  get pendingBytes(): number {
    return this.#queue.pendingBytes;
  }

  queue(json: Uint8Array): void {
    this.#queue.push(json);
  }

  /** The next record of what is queued, encrypted; nothing queued is an error. */
  sealNext(): Uint8Array {
    if (this.#queue.pendingBytes === 0) throw new SecureChannelError('invalid_state', 'nothing to seal');
    return this.#session.send.encrypt(this.#queue.take());
  }

  /** One message as its records (after anything queued before it). */
  seal(json: Uint8Array): Uint8Array[] {
    this.queue(json);
    const records: Uint8Array[] = [];
    while (this.#queue.pendingBytes > 0) records.push(this.sealNext());
    return records;
  }

  /** Lets go of what is queued and of the message in progress (the stream ended). */
  clear(): void {
    this.#queue.clear();
    this.#decoder.clear();
  }

  open(ciphertext: Uint8Array): Uint8Array[] {
    if (this.#failed) throw new SecureChannelError('invalid_state', 'secure channel failed earlier');
    try {
      return this.#decoder.push(this.#session.receive.decrypt(ciphertext));
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }
}
