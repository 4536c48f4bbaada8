import {
  type MessageStream,
  type RelayStream,
  StreamClosedError,
  type StreamState,
} from '../endpoint/index.ts';
import { ResetReason } from '../proto/reset-reasons.ts';
import { SecureMessageChannel } from './channel.ts';
import { MAX_RECORD_PLAINTEXT } from './records.ts';
import type { SecureSession } from './transport.ts';

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A secure relay stream whose handshake completed, as a stream of JSON-RPC
 * messages: each message is framed and queued, and records are cut from the
 * queue while the stream below takes them without queueing, each encrypted
 * once and sent as one message of that stream (so a resend is the cached
 * ciphertext). Whole records go at once; a part record waits while the
 * stream is busy with earlier records awaiting their ack (as Nagle's
 * algorithm holds back a small segment, but only in a bulk transfer), so a
 * stream of output fills whole records and a request or its answer is
 * never held. Records are decrypted in the order the
 * stream delivers them; one that fails to decrypt or to frame, or a
 * message over the stream's `maxMessageBytes` or past its reassembly budget,
 * resets the stream (`secure_relay_protocol_error`): nothing altered is ever
 * delivered, and what the stream held is let go when it ends.
 */
export class SecureMessageStream implements MessageStream {
  readonly kind = 'secure';
  readonly #stream: RelayStream;
  readonly #channel: SecureMessageChannel;
  readonly #listeners = new Set<Listener<[Uint8Array]>>();
  readonly #writableListeners = new Set<Listener<[]>>();
  /** Messages opened before anyone listened (the handshake resolves a promise; records may come first). */
  #unheard: Uint8Array[] = [];
  #failed = false;
  #resetReason: string | undefined;

  constructor(stream: RelayStream, session: SecureSession) {
    this.#stream = stream;
    const { maxMessageBytes, reassemblyBudget: budget } = stream;
    this.#channel = new SecureMessageChannel(session, { maxMessageBytes, budget });
    stream.onMessage((record) => this.#open(record));
    stream.onReset((reason) => {
      this.#resetReason = reason;
      this.#channel.clear();
    });
    stream.onWritable(() => {
      this.#pump();
      if (!this.writable) return;
      for (const listener of [...this.#writableListeners]) listener();
    });
    stream.onQuiet(() => this.#pump());
  }

  get streamId(): string {
    return this.#stream.streamId;
  }

  get state(): StreamState {
    return this.#stream.state;
  }

  /** A part record held back does not count: the next message is what fills it. */
  get writable(): boolean {
    return this.#channel.pendingBytes < MAX_RECORD_PLAINTEXT && this.#stream.writable;
  }

  /** The handshake hash both ends share (channel binding). */
  get handshakeHash(): Uint8Array {
    return this.#channel.handshakeHash;
  }

  /** Queues one message (sent at once while the stream takes it); throws StreamClosedError once reset. */
  send(message: Uint8Array): boolean {
    if (this.#resetReason !== undefined) throw new StreamClosedError(this.streamId, this.#resetReason);
    this.#channel.queue(message);
    this.#pump();
    return this.writable;
  }

  onMessage(listener: (message: Uint8Array) => void): () => void {
    this.#listeners.add(listener);
    // Later than now: a listener is often added while its owner is still being built.
    if (this.#unheard.length > 0) queueMicrotask(() => this.#catchUp());
    return () => this.#listeners.delete(listener);
  }

  onWritable(listener: () => void): () => void {
    this.#writableListeners.add(listener);
    return () => this.#writableListeners.delete(listener);
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

  /** Cuts and sends records while the stream below takes them; a part record only while it is not busy. */
  #pump(): void {
    while (this.#channel.pendingBytes > 0 && this.#stream.writable) {
      if (this.#channel.pendingBytes < MAX_RECORD_PLAINTEXT && this.#stream.busy) return;
      this.#stream.send(this.#channel.sealNext());
    }
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
