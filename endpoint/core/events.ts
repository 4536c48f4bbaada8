/** `suspended`: the link is down or the peer silent; nothing is lost, the stream resumes. `reset` is terminal. */
export type StreamState = 'open' | 'suspended' | 'reset';

export type StreamEvent =
  | { type: 'state'; state: StreamState }
  | { type: 'reset'; reason: string; byPeer: boolean }
  | { type: 'writable' };

/** What one stream produced since the last drain. */
export interface StreamOutput {
  /** Encoded frames to put on the wire, in order. */
  frames: Uint8Array[];
  /** Application messages, in order, each exactly once. */
  messages: Uint8Array[];
  events: StreamEvent[];
}

/** Counters for tests and benchmarks. */
export interface StreamStats {
  dataFramesCut: number;
  dataTransmissions: number;
  timeoutRetransmissions: number;
  fastRetransmissions: number;
  /** Tail-loss probes: the newest unacked frame resent when a window stalls. */
  probeRetransmissions: number;
  resumeRetransmissions: number;
  acksSent: number;
  duplicatesReceived: number;
  /** New data frames refused (as if lost) while the receive side was paused. */
  refusedWhilePaused: number;
  messagesDelivered: number;
}

/** Every counter at zero, for a new stream. */
export function emptyStreamStats(): StreamStats {
  return {
    dataFramesCut: 0,
    dataTransmissions: 0,
    timeoutRetransmissions: 0,
    fastRetransmissions: 0,
    probeRetransmissions: 0,
    resumeRetransmissions: 0,
    acksSent: 0,
    duplicatesReceived: 0,
    refusedWhilePaused: 0,
    messagesDelivered: 0,
  };
}

/** Emits a stream's state and writability transitions, each once. */
export class TransitionNotes {
  #lastState: StreamState;
  #wasWritable = true;

  constructor(state: StreamState) {
    this.#lastState = state;
  }

  /** Pushes the transitions since the last call onto `events` (a reset has its own event). */
  note(state: StreamState, writable: boolean, events: StreamEvent[]): void {
    if (state !== this.#lastState) {
      this.#lastState = state;
      if (state !== 'reset') events.push({ type: 'state', state });
    }
    if (writable && !this.#wasWritable) events.push({ type: 'writable' });
    this.#wasWritable = writable;
  }
}
