import type { MessageStream, RelayStream, StreamState } from '../endpoint/index.ts';
import { ResetReason } from '../proto/reset-reasons.ts';
import { SecureMessageChannel } from './channel.ts';
import type { SecureSession } from './transport.ts';

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A secure relay stream whose handshake completed, as a stream of JSON-RPC
 * messages: each message is framed, cut into records and each record
 * encrypted once and sent as one message of the stream below (so a resend
 * is the cached ciphertext); records are decrypted in the order the stream
 * delivers them. A record that fails to decrypt or to frame resets the
 * stream (`secure_relay_protocol_error`): nothing altered is ever delivered.
 */
export class SecureMessageStream implements MessageStream {
  readonly kind = 'secure';
  readonly #stream: RelayStream;
  readonly #channel: SecureMessageChannel;
  readonly #listeners = new Set<Listener<[Uint8Array]>>();
  /** Messages opened before anyone listened (the handshake resolves a promise; records may come first). */
  #unheard: Uint8Array[] = [];
  #failed = false;

  constructor(stream: RelayStream, session: SecureSession) {
    this.#stream = stream;
    this.#channel = new SecureMessageChannel(session);
    stream.onMessage((record) => this.#open(record));
  }

  get streamId(): string {
    return this.#stream.streamId;
  }

  get state(): StreamState {
    return this.#stream.state;
  }

  get writable(): boolean {
    return this.#stream.writable;
  }

  /** The handshake hash both ends share (channel binding). */
  get handshakeHash(): Uint8Array {
    return this.#channel.handshakeHash;
  }

  send(message: Uint8Array): boolean {
    let writable = true;
    for (const record of this.#channel.seal(message)) writable = this.#stream.send(record);
    return writable;
  }

  onMessage(listener: (message: Uint8Array) => void): () => void {
    this.#listeners.add(listener);
    // Later than now: a listener is often added while its owner is still being built.
    if (this.#unheard.length > 0) queueMicrotask(() => this.#catchUp());
    return () => this.#listeners.delete(listener);
  }

  onWritable(listener: () => void): () => void {
    return this.#stream.onWritable(listener);
  }

  pauseReceiving(): void {
    this.#stream.pauseReceiving();
  }

  resumeReceiving(): void {
    this.#stream.resumeReceiving();
  }

  onStateChange(listener: (state: StreamState) => void): () => void {
    return this.#stream.onStateChange(listener);
  }

  onReset(listener: (reason: string, byPeer: boolean) => void): () => void {
    return this.#stream.onReset(listener);
  }

  reset(reason: string): void {
    this.#stream.reset(reason);
  }

  #open(record: Uint8Array): void {
    if (this.#failed) return;
    let messages: Uint8Array[];
    try {
      messages = this.#channel.open(record);
    } catch {
      this.#failed = true;
      this.#stream.reset(ResetReason.SecureRelayProtocolError);
      return;
    }
    for (const message of messages) {
      if (this.#listeners.size === 0 || this.#unheard.length > 0) this.#unheard.push(message);
      else this.#emit(message);
    }
  }

  #catchUp(): void {
    while (this.#listeners.size > 0) {
      const message = this.#unheard.shift();
      if (message === undefined) return;
      this.#emit(message);
    }
  }

  #emit(message: Uint8Array): void {
    for (const listener of [...this.#listeners]) listener(message);
  }
}
