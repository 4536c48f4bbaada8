import { MAX_FRAME_PAYLOAD_BYTES } from '../../proto/codec/index.ts';
import { StreamClosedError } from '../core/errors.ts';
import type { StreamEvent, StreamState } from '../core/events.ts';
import type { ReassemblyBudget } from '../core/reassembly-budget.ts';
import type { StreamKind } from '../core/stream-core.ts';
import type { RelayStream } from './message-stream.ts';

/** What a live stream needs from the driver that owns the core. */
export interface StreamHost {
  readonly maxMessageBytes: number;
  readonly reassemblyBudget: ReassemblyBudget;
  send(streamId: string, message: Uint8Array): boolean;
  sendHandshake(streamId: string, payload: Uint8Array): void;
  writable(streamId: string): boolean;
  busy(streamId: string): boolean;
  pauseReceiving(streamId: string): void;
  resumeReceiving(streamId: string): void;
  reset(streamId: string, reason: string): void;
}

type Listener<A extends unknown[]> = (...args: A) => void;

class ListenerSet<A extends unknown[]> {
  readonly #listeners = new Set<Listener<A>>();

  add(listener: Listener<A>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(...args: A): void {
    for (const listener of [...this.#listeners]) listener(...args);
  }
}

/** The RelayStream face of one core stream; events arrive from the driver's flush. */
export class LiveMessageStream implements RelayStream {
  readonly streamId: string;
  readonly kind: StreamKind;
  readonly owner: string | undefined;
  readonly #host: StreamHost;
  #currentState: StreamState;
  #resetReason: string | undefined;
  readonly #writableListeners = new ListenerSet<[]>();
  readonly #messageListeners = new ListenerSet<[Uint8Array]>();
  readonly #stateListeners = new ListenerSet<[StreamState]>();
  readonly #resetListeners = new ListenerSet<[string, boolean]>();
  readonly #handshakeListeners = new ListenerSet<[Uint8Array]>();
  readonly #quietListeners = new ListenerSet<[]>();

  constructor(streamId: string, kind: StreamKind, host: StreamHost, state: StreamState, owner?: string) {
    this.streamId = streamId;
    this.kind = kind;
    this.owner = owner;
    this.#host = host;
    this.#currentState = state;
  }

  get state(): StreamState {
    return this.#currentState;
  }

  get writable(): boolean {
    return this.#resetReason === undefined && this.#host.writable(this.streamId);
  }

  get maxMessageBytes(): number {
    const { maxMessageBytes } = this.#host;
    // A legacy stream's message is one frame.
    return this.kind === 'legacy' ? Math.min(maxMessageBytes, MAX_FRAME_PAYLOAD_BYTES) : maxMessageBytes;
  }

  get reassemblyBudget(): ReassemblyBudget {
    return this.#host.reassemblyBudget;
  }

  get busy(): boolean {
    return this.#resetReason === undefined && this.#host.busy(this.streamId);
  }

  send(message: Uint8Array): boolean {
    if (this.#resetReason !== undefined) throw new StreamClosedError(this.streamId, this.#resetReason);
    return this.#host.send(this.streamId, message);
  }

  sendHandshake(payload: Uint8Array): void {
    if (this.kind !== 'secure') throw new Error(`stream ${this.streamId} is ${this.kind}: no handshake`);
    if (this.#resetReason !== undefined) throw new StreamClosedError(this.streamId, this.#resetReason);
    this.#host.sendHandshake(this.streamId, payload);
  }

  pauseReceiving(): void {
    if (this.#resetReason === undefined) this.#host.pauseReceiving(this.streamId);
  }

  resumeReceiving(): void {
    if (this.#resetReason === undefined) this.#host.resumeReceiving(this.streamId);
  }

  reset(reason: string): void {
    if (this.#resetReason !== undefined) return;
    this.#host.reset(this.streamId, reason);
  }

  onWritable(listener: () => void): () => void {
    return this.#writableListeners.add(listener);
  }

  onMessage(listener: (message: Uint8Array) => void): () => void {
    return this.#messageListeners.add(listener);
  }

  onStateChange(listener: (state: StreamState) => void): () => void {
    return this.#stateListeners.add(listener);
  }

  onReset(listener: (reason: string, byPeer: boolean) => void): () => void {
    return this.#resetListeners.add(listener);
  }

  onHandshake(listener: (payload: Uint8Array) => void): () => void {
    return this.#handshakeListeners.add(listener);
  }

  onQuiet(listener: () => void): () => void {
    return this.#quietListeners.add(listener);
  }

  /** Called by the driver with this stream's output, in order (a handshake comes before the records it allows). */
  dispatch(messages: Uint8Array[], events: StreamEvent[]): void {
    for (const event of events) if (event.type === 'handshake') this.#handshakeListeners.emit(event.payload);
    for (const message of messages) this.#messageListeners.emit(message);
    for (const event of events) {
      if (event.type === 'handshake') continue;
      if (event.type === 'writable') this.#writableListeners.emit();
      else if (event.type === 'quiet') this.#quietListeners.emit();
      else if (event.type === 'state') {
        this.#currentState = event.state;
        this.#stateListeners.emit(event.state);
      } else {
        this.#currentState = 'reset';
        this.#resetReason = event.reason;
        this.#resetListeners.emit(event.reason, event.byPeer);
      }
    }
  }
}
