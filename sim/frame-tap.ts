/**
 * Classifies the frames the fault proxy sees, as each endpoint put them on
 * the wire (before any fault): each data frame seen again from the same
 * sender, stream and seq is a retransmission. Counts what the endpoints sent;
 * with a listener (the timeline), passes on every frame of both directions.
 */
import type { ConnectionInfo, Direction, FrameFate } from '../faults/index.ts';
import { decodeFrame, type RelayFrame } from '../proto/codec/index.ts';

export interface TapCounts {
  /** Data frames sent for the first time, per sending role. */
  dataFrames: Record<string, number>;
  /** Data frames sent again (timeout, fast or resume retransmissions), per sending role. */
  retransmissions: Record<string, number>;
  /** Reset frames sent by the endpoints, by reason. */
  resets: Record<string, number>;
}

/** One frame as the proxy saw it. */
export interface TappedFrame {
  /** Upstream: what an endpoint sent; downstream: the rendezvous passing on the other side's frames. */
  direction: Direction;
  connection: ConnectionInfo;
  /** Undefined when the bytes do not decode as a relay frame. */
  frame: RelayFrame | undefined;
  /** Upstream data frames: 1 for the first transmission, 2 for the first resend, …; 0 for the rest. */
  transmission: number;
  fate: FrameFate;
}

export interface FrameTap {
  /** The fault proxy's `onFrame`. */
  observe(bytes: Uint8Array, direction: Direction, connection: ConnectionInfo, fate: FrameFate): void;
  counts(): TapCounts;
}

export function createFrameTap(listener?: (tapped: TappedFrame) => void): FrameTap {
  const transmissions = new Map<string, number>();
  const counts: TapCounts = { dataFrames: {}, retransmissions: {}, resets: {} };
  const bump = (record: Record<string, number>, key: string) => {
    record[key] = (record[key] ?? 0) + 1;
  };
  return {
    observe(bytes, direction, connection, fate) {
      if (direction !== 'upstream' && listener === undefined) return;
      const decoded = decodeFrame(bytes);
      const frame = decoded.ok ? decoded.value : undefined;
      let transmission = 0;
      if (direction === 'upstream' && frame !== undefined) {
        const role = connection.role ?? 'unknown';
        if (frame.body.case === 'data') {
          const key = `${role}|${frame.streamId}|${frame.body.value.seq}`;
          transmission = (transmissions.get(key) ?? 0) + 1;
          transmissions.set(key, transmission);
          bump(transmission === 1 ? counts.dataFrames : counts.retransmissions, role);
        } else if (frame.body.case === 'reset') {
          bump(counts.resets, frame.body.value.reason);
        }
      }
      listener?.({ direction, connection, frame, transmission, fate });
    },
    counts: () => structuredClone(counts),
  };
}
