/**
 * Harness-side tools that do what the harness library never would: send any
 * bytes as one relay message, cut messages into segments of any size, leave
 * messages unfinished, and never acknowledge what the executor sends.
 */
import { randomUUID } from 'node:crypto';
import { connectRelay, type MessageStream } from '../../endpoint/index.ts';
import { decodeFrame, encodeFrame } from '../../proto/codec/index.ts';
import { type RendezvousTarget, requestConnectUrl } from '../../registry/index.ts';
import { RpcClient, streamTransport } from '../../rpc/index.ts';
import { openRelaySocket, type RelaySocket } from '../raw/socket.ts';

/** One JSON-RPC message as UTF-8 bytes. */
export const jsonMessage = (message: object) => Buffer.from(JSON.stringify(message), 'utf8');

/** The requests that open a session, as messages. */
export function sessionOpening(clientName = 'relaykit-attack'): Uint8Array[] {
  return [
    jsonMessage({ id: 0, method: 'initialize', params: { clientName } }),
    jsonMessage({ method: 'initialized', params: {} }),
  ];
}

/** A session on a stream of its own: JSON-RPC as the attacker writes it, or any bytes as one message. */
export interface RawSession {
  readonly rpc: RpcClient;
  readonly stream: MessageStream;
  close(): Promise<void>;
}

/** Opens a relay socket with one stream and a session on it (`initialize`, `initialized`). */
export async function rawSession(target: RendezvousTarget): Promise<RawSession> {
  const endpoint = connectRelay({ role: 'harness', resolveUrl: () => requestConnectUrl(target) });
  const stream = endpoint.openStream();
  const rpc = new RpcClient(streamTransport(stream));
  await rpc.request('initialize', { clientName: 'relaykit-attack' });
  rpc.notify('initialized', {});
  return { rpc, stream, close: () => endpoint.close() };
}

/**
 * A stream on a raw harness socket, driven frame by frame: data frames carry
 * `ack 0` and no ack frame is ever sent, so everything the executor sends
 * stays unacknowledged.
 */
export class UnackingStream {
  readonly streamId = randomUUID();
  readonly #socket: RelaySocket;
  #seq = 0;
  /** The executor's cumulative ack of this stream's data. */
  #acked = 0;
  #resetReason: string | undefined;

  private constructor(socket: RelaySocket) {
    this.#socket = socket;
    socket.ws.on('message', (data: Buffer) => {
      const decoded = decodeFrame(new Uint8Array(data));
      if (!decoded.ok || decoded.value.streamId !== this.streamId) return;
      this.#acked = Math.max(this.#acked, decoded.value.ack);
      if (decoded.value.body.case === 'reset') this.#resetReason = decoded.value.body.value.reason;
    });
  }

  /** The reason the executor reset this stream, if it did. */
  get resetReason(): string | undefined {
    return this.#resetReason;
  }

  static async open(target: RendezvousTarget): Promise<UnackingStream> {
    return new UnackingStream(await openRelaySocket(await requestConnectUrl(target)));
  }

  /** Sends one message cut into segments of `segmentBytes`. */
  sendMessage(message: Uint8Array, segmentBytes = 60 * 1024): void {
    const count = Math.max(1, Math.ceil(message.length / segmentBytes));
    for (let index = 0; index < count; index++) {
      this.sendSegment(index, count, message.subarray(index * segmentBytes, (index + 1) * segmentBytes));
    }
  }

  /** Sends segment `index` of a message of `count` segments (whether the others ever come is up to the caller). */
  sendSegment(index: number, count: number, payload: Uint8Array): void {
    this.#socket.send(
      encodeFrame({
        version: 1,
        streamId: this.streamId,
        ack: 0,
        ackBits: 0,
        body: {
          case: 'data',
          value: { seq: ++this.#seq, segmentIndex: index, segmentCount: count, payload },
        },
      }),
    );
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
}
