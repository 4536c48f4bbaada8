import { SecureChannelError } from './errors.ts';
import { encodeMessageRecords, RecordDecoder } from './records.ts';
import type { SecureSession } from './transport.ts';

/**
 * JSON-RPC messages in and out of an established session: `seal` turns one
 * message into ciphertext records to send in order (each exactly once; a
 * resend reuses the bytes), `open` takes the peer's records in sequence
 * order and returns the messages they complete. A failure to open is final.
 */
export class SecureMessageChannel {
  #session: SecureSession;
  #decoder = new RecordDecoder();
  #failed = false;

  constructor(session: SecureSession) {
    this.#session = session;
  }

  get handshakeHash(): Uint8Array {
    return this.#session.handshakeHash;
  }

  seal(json: Uint8Array): Uint8Array[] {
    return encodeMessageRecords(json).map((record) => this.#session.send.encrypt(record));
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
