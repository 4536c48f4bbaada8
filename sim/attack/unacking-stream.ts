/**
 * A harness stream driven frame by frame that never acknowledges what the
 * executor sends: data frames carry `ack 0` and no ack frame goes out, so
 * everything the executor sends on it stays unacknowledged. It is a
 * RelayStream, so `initiateSecureStream` runs the secure relay over it (the
 * handshake, then one record per data frame); `sendSegment` cuts cleartext
 * messages any way an attack wants.
 */
import { randomUUID } from 'node:crypto';
import {
  ACK_WINDOW,
  DEFAULT_STREAM_CONFIG,
  ReassemblyBudget,
  type RelayStream,
  StreamClosedError,
  type StreamState,
} from '../../endpoint/index.ts';
import { decodeFrame, encodeFrame, encodeReset, type RelayFrameBody } from '../../proto/codec/index.ts';
import type { RelaySocket } from '../raw/socket.ts';

/** Segments as large as a secure stream's data frames (a record, at most 61,456 bytes, is one). */
const SEGMENT_BYTES = 64 * 1024;

/** Adds `listener` to `set`; returns its removal. */
function listen<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

export class UnackingStream implements RelayStream {
  readonly streamId = randomUUID();
  readonly kind: 'reliable' | 'secure';
  /** The opening side: the rendezvous names no owner to it. */
  readonly owner = undefined;
  readonly maxMessageBytes = DEFAULT_STREAM_CONFIG.maxMessageBytes;
  readonly reassemblyBudget = new ReassemblyBudget();
  /** Never busy: a part record goes out at once. */
  readonly busy = false;
  readonly #socket: RelaySocket;
  readonly #messageListeners = new Set<(message: Uint8Array) => void>();
  readonly #handshakeListeners = new Set<(payload: Uint8Array) => void>();
  readonly #resetListeners = new Set<(reason: string, byPeer: boolean) => void>();
  readonly #writableListeners = new Set<() => void>();
  #seq = 0;
  /** Data frames still to put on the wire; the rest are swallowed (see `sendOnly`). */
  #framesLeft = Number.POSITIVE_INFINITY;
  /** The executor's cumulative ack of this stream's data. */
  #acked = 0;
  /** The next seq of the executor's data to pass on (in order, once each). */
  #nextDelivery = 1;
  #resetReason: string | undefined;
  #corked = false;

  constructor(socket: RelaySocket, kind: 'reliable' | 'secure') {
    this.#socket = socket;
    this.kind = kind;
    socket.ws.on('message', (data: Buffer) => this.#receive(new Uint8Array(data)));
  }

  /** The reason the stream was reset (by the executor or here), if it was. */
  get resetReason(): string | undefined {
    return this.#resetReason;
  }

  get state(): StreamState {
    return this.#resetReason === undefined ? 'open' : 'reset';
  }

  /** True while the executor's receive window has room for another data frame and the stream is not corked. */
  get writable(): boolean {
    return this.#resetReason === undefined && !this.#corked && this.#seq - this.#acked < ACK_WINDOW;
  }

  /** Until `uncork`, the stream is not writable: messages queue above it (a secure channel then fills whole records). */
  cork(): void {
    this.#corked = true;
  }

  uncork(): void {
    this.#corked = false;
    if (this.writable) for (const listener of [...this.#writableListeners]) listener();
  }

  /** Sends one message in segments of up to 64 KiB (a secure record is always one). */
  send(message: Uint8Array): boolean {
    if (this.#resetReason !== undefined) throw new StreamClosedError(this.streamId, this.#resetReason);
    const count = Math.max(1, Math.ceil(message.length / SEGMENT_BYTES));
    for (let index = 0; index < count; index++) {
      const at = index * SEGMENT_BYTES;
      this.sendSegment(index, count, message.subarray(at, at + SEGMENT_BYTES));
    }
    return this.writable;
  }

  /** Sends segment `index` of a message of `count` segments (whether the others ever come is up to the caller). */
  sendSegment(index: number, count: number, payload: Uint8Array): void {
    if (this.#framesLeft <= 0) return;
    this.#framesLeft--;
    this.#put({
      case: 'data',
      value: { seq: ++this.#seq, segmentIndex: index, segmentCount: count, payload },
    });
  }

  /** Puts at most `frames` more data frames on the wire; later ones are swallowed, so a message can be left unfinished. */
  sendOnly(frames: number): void {
    this.#framesLeft = frames;
  }

  sendHandshake(payload: Uint8Array): void {
    this.#put({ case: 'handshake', value: { payload } });
  }

  onMessage(listener: (message: Uint8Array) => void): () => void {
    return listen(this.#messageListeners, listener);
  }

  onHandshake(listener: (payload: Uint8Array) => void): () => void {
    return listen(this.#handshakeListeners, listener);
  }

  onReset(listener: (reason: string, byPeer: boolean) => void): () => void {
    return listen(this.#resetListeners, listener);
  }

  onWritable(listener: () => void): () => void {
    return listen(this.#writableListeners, listener);
  }

  /** The stream is never suspended here. */
  onStateChange(): () => void {
    return () => {};
  }

  /** Never busy, so never quiet again. */
  onQuiet(): () => void {
    return () => {};
  }

  /** Nothing to pause: what the executor sends is never acknowledged anyway. */
  pauseReceiving(): void {}

  resumeReceiving(): void {}

  reset(reason: string): void {
    if (this.#resetReason !== undefined) return;
    this.#socket.send(encodeReset(this.streamId, reason));
    this.#ended(reason, false);
  }

  /**
   * Resolves once the executor has acknowledged all but `inFlight` of the
   * frames sent (the relay drops what a receiver's window cannot take), or
   * the stream was reset.
   */
  async acked(inFlight = 0): Promise<void> {
    while (this.#seq - this.#acked > inFlight && this.#resetReason === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  close(): Promise<unknown> {
    return this.#socket.close();
  }

  #put(body: RelayFrameBody): void {
    this.#socket.send(encodeFrame({ version: 1, streamId: this.streamId, ack: 0, ackBits: 0, body }));
  }

  #receive(bytes: Uint8Array): void {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok || decoded.value.streamId !== this.streamId || this.#resetReason !== undefined) return;
    const { ack, body } = decoded.value;
    if (ack > this.#acked) {
      this.#acked = ack;
      if (this.writable) for (const listener of [...this.#writableListeners]) listener();
    }
    if (body.case === 'reset') this.#ended(body.value.reason, true);
    else if (body.case === 'handshake') {
      for (const listener of [...this.#handshakeListeners]) listener(body.value.payload);
    } else if (body.case === 'data' && body.value.seq === this.#nextDelivery) {
      this.#nextDelivery++;
      for (const listener of [...this.#messageListeners]) listener(body.value.payload);
    }
  }

  #ended(reason: string, byPeer: boolean): void {
    this.#resetReason = reason;
    for (const listener of [...this.#resetListeners]) listener(reason, byPeer);
  }
}
